import type { RunKind } from "@orchestrator/contracts";
import type { FieldProblem } from "../errors/http-error.js";
import { ValidationError } from "../errors/http-error.js";
import type { PathRenamer } from "../errors/validation-details.js";

/** The original service's CodeRequest fields (and their older names) → RunRequest fields. */
const CODE_FIELDS: Readonly<Record<string, string>> = {
  task_id: "taskId",
  service: "service",
  repository_url: "repositoryUrl",
  docs_repository_url: "docsRepositoryUrl",
  docs_project_directory: "docsProjectDirectory",
  docs_branch: "docsBranch",
  working_directory: "workingDirectory",
  model: "model",
  github_user: "githubUser",
  local_tools: "localTools",
  remote_tools: "remoteTools",
  tool_config: "toolConfig",
  context_version: "contextVersion",
  prompt_modification: "promptModification",
  prompt_mode: "promptMode",
  continue_session: "continueSession",
  overwrite_memory: "overwriteMemory",
  env: "env",
  env_from_secrets: "envFromSecrets",
  branch: "branch",
  max_retries: "maxRetries",
  // names from the brief-era CRD, still sent by old clients
  platform_repository_url: "docsRepositoryUrl",
  platform_project_directory: "docsProjectDirectory",
  platform_branch: "docsBranch",
  resume_session: "continueSession",
};

/** The original service's DocsRequest fields. */
const DOCS_FIELDS: Readonly<Record<string, string>> = {
  repository_url: "repositoryUrl",
  working_directory: "workingDirectory",
  source_branch: "sourceBranch",
  github_user: "githubUser",
  model: "model",
};

const CSV_FIELDS = new Set(["localTools", "remoteTools"]);

/**
 * Converts a snake_case body of `POST /api/v1/pm/tasks` or `/pm/docs/generate` into the camelCase
 * body of `POST /api/v1/runs`, and returns how to name fields in errors the way the caller wrote
 * them. `null` counts as absent (the original Rust CLI sends `null` for unset options); tool lists
 * may be CSV strings as before.
 * Unknown fields are returned (not thrown) so the caller can report them with every other problem.
 * @throws ValidationError for a body that is not an object
 */
export function fromPmAlias(
  kind: RunKind,
  body: unknown,
): { body: Record<string, unknown>; rename: PathRenamer; unknown: FieldProblem[] } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError([{ path: "(body)", message: "must be a JSON object" }]);
  }
  const fields = kind === "code" ? CODE_FIELDS : DOCS_FIELDS;
  const converted: Record<string, unknown> = { kind };
  const original = new Map<string, string>();
  const unknown: FieldProblem[] = [];
  for (const [key, value] of Object.entries(body)) {
    const target = fields[key];
    if (!target) {
      unknown.push({ path: key, message: "unknown field" });
      continue;
    }
    if (value === null || value === undefined) continue;
    converted[target] = CSV_FIELDS.has(target) && typeof value === "string" ? splitCsv(value) : value;
    original.set(target, key);
  }
  const reverse = new Map<string, string>();
  for (const [snake, camel] of Object.entries(fields)) if (!reverse.has(camel)) reverse.set(camel, snake);
  return {
    body: converted,
    unknown,
    rename: (segment) => original.get(segment) ?? reverse.get(segment) ?? segment,
  };
}

function splitCsv(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
