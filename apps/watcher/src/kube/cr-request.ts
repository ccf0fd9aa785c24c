import { fieldPath, type RunRequest, resolveModel, runRequestSchema } from "@orchestrator/contracts";
import type { CodeRunSpec, DocsRunSpec, RunResource } from "@orchestrator/kube";
import type { z } from "zod";

export interface CrRequestDefaults {
  codeModel: string;
  docsModel: string;
}

export type CrRequestResult = { ok: true; request: RunRequest } | { ok: false; message: string };

/**
 * The run request for a DocsRun/CodeRun applied with kubectl, in the original CRD's shape
 * (comma-separated tool lists, optional working directory and model). The CR's uid is the
 * idempotency key, so seeing the same object twice yields one run.
 */
export function requestFromCustomResource(
  resource: RunResource,
  defaults: CrRequestDefaults,
): CrRequestResult {
  const metadata = resource.metadata;
  const source = {
    type: "kubernetes" as const,
    namespace: metadata.namespace ?? "default",
    name: metadata.name ?? "",
    uid: metadata.uid ?? "",
  };
  const common = { idempotencyKey: `kubernetes:${source.uid}`, source };
  const input =
    resource.kind === "CodeRun"
      ? { kind: "code", ...common, ...codeFields(resource.spec ?? ({} as CodeRunSpec), defaults.codeModel) }
      : { kind: "docs", ...common, ...docsFields(resource.spec ?? ({} as DocsRunSpec), defaults.docsModel) };
  const candidate = dropUndefined(input);
  const parsed = runRequestSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, request: parsed.data };
  return { ok: false, message: `invalid spec: ${specProblems(parsed.error.issues, candidate)}` };
}

function codeFields(spec: CodeRunSpec, defaultModel: string): Record<string, unknown> {
  return {
    taskId: spec.taskId,
    service: spec.service,
    repositoryUrl: spec.repositoryUrl,
    docsRepositoryUrl: spec.docsRepositoryUrl,
    docsProjectDirectory: spec.docsProjectDirectory || undefined,
    docsBranch: spec.docsBranch || undefined,
    branch: spec.branch || undefined,
    workingDirectory: spec.workingDirectory || spec.service,
    model: resolveModel(spec.model || undefined, defaultModel),
    githubUser: spec.githubUser,
    toolConfig: spec.toolConfig,
    localTools: csv(spec.localTools),
    remoteTools: csv(spec.remoteTools),
    contextVersion: spec.contextVersion,
    promptModification: spec.promptModification || undefined,
    promptMode: spec.promptMode,
    continueSession: spec.continueSession,
    overwriteMemory: spec.overwriteMemory,
    env: spec.env,
    envFromSecrets: spec.envFromSecrets,
    maxRetries: spec.maxRetries,
  };
}

function docsFields(spec: DocsRunSpec, defaultModel: string): Record<string, unknown> {
  return {
    repositoryUrl: spec.repositoryUrl,
    workingDirectory: spec.workingDirectory,
    sourceBranch: spec.sourceBranch,
    model: resolveModel(spec.model || undefined, defaultModel),
    githubUser: spec.githubUser,
  };
}

/** `"a, b,,c"` → `["a","b","c"]`; an array is taken as it is. */
function csv(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : value.split(",");
  const list = items.map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

/**
 * The spec's problems as one line (the CR's status.message): each issue's message at its path. A
 * key that is not a plain name is named by its index (`env[2]`) and unknown keys are not listed by
 * name, so a pasted token never reaches the status or the log.
 */
function specProblems(issues: readonly z.core.$ZodIssue[], root: unknown): string {
  return issues
    .flatMap((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => `unknown field at ${fieldPath([...path, key], root)}`);
      }
      return [`${issue.message.replaceAll("\n", " ")} at ${fieldPath(path, root)}`];
    })
    .join("; ");
}
