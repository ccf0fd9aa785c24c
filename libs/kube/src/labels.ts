import type { RunRecord } from "@orchestrator/contracts";

/** Label keys put on every object of a run (CR, ConfigMap, Job and its pods). */
export const LABELS = {
  /** always `orchestrator` */
  name: "app.kubernetes.io/name",
  /** `code-runner` or `docs-generator`, as the original service's `component` label */
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  /** the run id: selects exactly the objects of one run */
  runId: "orchestrator.platform/run-id",
  /** `docs` or `code` */
  kind: "orchestrator.platform/kind",
  /** code runs: Task Master task id */
  taskId: "orchestrator.platform/task-id",
  /** code runs: service (and workspace) name */
  service: "orchestrator.platform/service",
  /** sanitised GitHub user */
  githubUser: "orchestrator.platform/github-user",
  /** code runs: context version (bumped by retries) */
  contextVersion: "orchestrator.platform/context-version",
} as const;

/** Annotation keys (values longer or freer than labels allow). */
export const ANNOTATIONS = {
  /** the run id, unsanitised */
  runId: "orchestrator.platform/run-id",
  /** sha256 of the rendered files in the ConfigMap */
  filesDigest: "orchestrator.platform/files-digest",
  /** repository URL the run works on */
  repositoryUrl: "orchestrator.platform/repository-url",
  /** CR: the run's per-run Job overrides as JSON (resources, deadline, image tag), when it has any */
  overrides: "orchestrator.platform/overrides",
  /** workspace PVC: the GitHub user whose runs it belongs to (only their runs may use it) */
  workspaceOwner: "orchestrator.platform/workspace-owner",
  /** run token Secret: when GitHub lets its App installation token expire (ISO time) */
  tokenExpiresAt: "orchestrator.platform/token-expires-at",
  /** run token Secret: the repositories (`owner/name`, space-separated) its token covers */
  tokenRepositories: "orchestrator.platform/token-repositories",
} as const;

export const APP_NAME = "orchestrator";
export const MANAGED_BY = "orchestrator-dispatcher";

/**
 * Label selector of the DocsRuns/CodeRuns the dispatcher created for runs submitted through the API,
 * CLI or GitHub — not those applied with kubectl, which the dispatcher only reads and must never
 * delete. (It also matches the dispatcher's other per-run objects when used on ConfigMaps or Jobs.)
 */
export const CREATED_BY_DISPATCHER_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY},${LABELS.runId}`;

/** Whether an object's metadata says the dispatcher created it (see {@link CREATED_BY_DISPATCHER_SELECTOR}). */
export function isCreatedByDispatcher(
  metadata: { labels?: Record<string, string> | undefined } | undefined,
): boolean {
  const labels = metadata?.labels;
  return labels?.[LABELS.managedBy] === MANAGED_BY && Boolean(labels[LABELS.runId]);
}

/**
 * Makes a string a valid label value, as the original service's `sanitize_label_value` did:
 * lowercase, spaces and `_` to `-`, only `[a-z0-9-_.]` kept, non-alphanumerics trimmed at both ends,
 * and at most 63 characters.
 */
export function sanitizeLabelValue(value: string): string {
  let out = value
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/[^a-z0-9\-_.]/g, "");
  out = out.replace(/^[^a-z0-9]+/, "").replace(/[^a-z0-9]+$/, "");
  if (out.length > 63) out = out.slice(0, 63).replace(/[^a-z0-9]+$/, "");
  return out;
}

/** Label value identifying a run (what `-l orchestrator.platform/run-id=<value>` selects). */
export function runIdLabelValue(runId: string): string {
  return sanitizeLabelValue(runId);
}

/** Labels of every object of a run. */
export function runLabels(run: Pick<RunRecord, "id" | "request">): Record<string, string> {
  const request = run.request;
  const labels: Record<string, string> = {
    [LABELS.name]: APP_NAME,
    [LABELS.component]: request.kind === "code" ? "code-runner" : "docs-generator",
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.runId]: runIdLabelValue(run.id),
    [LABELS.kind]: request.kind,
    [LABELS.githubUser]: sanitizeLabelValue(request.githubUser),
  };
  if (request.kind === "code") {
    labels[LABELS.taskId] = String(request.taskId);
    labels[LABELS.service] = sanitizeLabelValue(request.service);
    labels[LABELS.contextVersion] = String(request.contextVersion);
  }
  return labels;
}

/** Label selector string matching the objects of one run. */
export function runSelector(runId: string): string {
  return `${LABELS.runId}=${runIdLabelValue(runId)}`;
}

/** Whether an object's labels say it belongs to the given run. */
export function belongsToRun(labels: Record<string, string> | undefined, runId: string): boolean {
  return labels?.[LABELS.runId] === runIdLabelValue(runId);
}
