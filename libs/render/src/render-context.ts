import {
  authKindFor,
  type CodeRunRequest,
  DENIED_ENV_GLOBS,
  type RunKind,
  type RunRequest,
  type RunSourceType,
  type ToolConfig,
} from "@orchestrator/contracts";
import {
  type RendererSettings,
  type ResolvedRendererSettings,
  resolveRendererSettings,
} from "./renderer-settings.js";
import { type LocalServerContext, resolveTools } from "./resolve-tools.js";

/** Facts about the run that are not in the request. */
export interface RunInfo {
  runId: string;
  /** 1 for the first attempt */
  attempt: number;
  /** the render time; the only clock a render reads, so renders are reproducible */
  now: Date;
}

/** Docs runs work on `docs-generation-<YYYYmmdd-HHMMSS>`; the script adds the timestamp. */
export const DOCS_BRANCH_PREFIX = "docs-generation-";

/** Lines of the code `prompt.md` between which the script puts the task's own `prompt.md`, if it has one. */
export const TASK_PROMPT_MARKERS = {
  begin: "<!-- orchestrator:task-prompt:begin -->",
  end: "<!-- orchestrator:task-prompt:end -->",
} as const;

/**
 * Everything a template can read. Every key is always present (`null`, `false` or empty when it does not
 * apply), so strict rendering fails only on real template mistakes. Keys are snake_case like the original
 * service's template data.
 */
export interface RenderContext {
  kind: RunKind;
  is_docs: boolean;
  is_code: boolean;
  run_id: string;
  attempt: number;
  /** attempt > 1 or a retry count above zero */
  is_retry: boolean;
  /** ISO-8601 render time */
  rendered_at: string;
  source_type: RunSourceType;
  /** link to what triggered the run (issue, alert, dashboard), if any */
  source_url: string | null;

  /** the repository the agent changes (docs: the one holding `.taskmaster/`) */
  repository_url: string;
  /** `ssh` for git@/ssh:// URLs, `https` for https:// URLs */
  auth_kind: "ssh" | "https";
  /** `github.com` */
  repository_host: string;
  /** `owner/name` */
  repository_slug: string;
  /** code: the platform/docs repository holding `.taskmaster/docs/task-<id>/` */
  platform_repository_url: string | null;
  /** same as platform_repository_url */
  docs_repository_url: string | null;
  docs_auth_kind: "ssh" | "https" | null;
  docs_branch: string | null;
  /** code: project directory in the docs repository (request value or `_projects/<service>`) */
  docs_project_directory: string | null;

  /** docs: the source branch; code: the base branch the feature branch starts from and the PR targets */
  branch: string;
  /** docs: the branch docs are generated from (the PR goes back to it); code: same as `branch` */
  source_branch: string;
  /** code: `feature/task-<id>-implementation` */
  feature_branch: string | null;
  /** docs: `docs-generation-` */
  docs_branch_prefix: string | null;

  github_user: string;
  git_author_name: string;
  git_author_email: string;
  working_directory: string;
  model: string;

  task_id: number | null;
  service_name: string | null;

  tool_config: ToolConfig | null;
  remote_tools: string[];
  remote_tool_details: { name: string; description: string | null }[];
  local_tools: string[];
  local_servers: LocalServerContext[];
  toolman_server_url: string;

  context_version: number | null;
  prompt_modification: string | null;
  prompt_mode: "append" | "replace" | null;
  continue_session: boolean;
  overwrite_memory: boolean;
  /** Claude session to `--resume` */
  session_id: string | null;
  retry_count: number;
  max_retries: number;

  /** free-form context from the trigger (issue body, alert); only ever placed in markdown */
  instructions: string | null;
  has_instructions: boolean;

  /** the request's extra environment (code) */
  env: Record<string, string>;
  /** environment for Claude Code's `settings.json` */
  claude_env: Record<string, string>;
  permissions_allow: string[];
  permissions_deny: string[];

  task_prompt_begin_marker: string;
  task_prompt_end_marker: string;

  /** Trust boundary, space-separated: hosts that may get the token (`allowedGitHosts`), the request's env
   * names (`env`, `envFromSecrets`) and the `DENIED_ENV_GLOBS` the script checks them against. */
  allowed_git_hosts: string;
  request_env_names: string;
  denied_env_globs: string;
  /** pinned SSH host keys (known_hosts lines) */
  ssh_known_hosts: string;
}

/** `git@github.com:org/repo.git`, `ssh://git@host:22/org/repo`, `https://host/org/repo` → host and slug. */
export function parseRepositoryUrl(url: string): { host: string; slug: string } {
  const match =
    /^(?:git@([^:/]+):|ssh:\/\/git@([^:/]+)(?::\d+)?\/|https:\/\/([^:/]+)(?::\d+)?\/)(.+?)(?:\.git)?$/.exec(
      url,
    );
  if (!match) return { host: "", slug: url };
  return { host: match[1] ?? match[2] ?? match[3] ?? "", slug: match[4] ?? "" };
}

/** Every name a request puts into the agent's environment, sorted. */
function requestEnvNames(request: RunRequest): string[] {
  if (request.kind !== "code") return [];
  const names = [...Object.keys(request.env), ...request.envFromSecrets.map((ref) => ref.name)];
  return [...new Set(names)].sort();
}

function sourceUrl(request: RunRequest): string | null {
  const source = request.source;
  switch (source.type) {
    case "github":
      return source.htmlUrl ?? null;
    case "grafana":
      return source.panelUrl ?? source.dashboardUrl ?? source.generatorUrl ?? null;
    default:
      return null;
  }
}

function claudeEnv(
  settings: ResolvedRendererSettings,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const telemetry = settings.telemetry;
  const env: Record<string, string> = {
    DISABLE_AUTOUPDATER: "1",
    DISABLE_COST_WARNINGS: "1",
    DISABLE_NON_ESSENTIAL_MODEL_CALLS: "1",
    CLAUDE_BASH_MAINTAIN_PROJECT_WORKING_DIR: "1",
    CLAUDE_CODE_ENABLE_TELEMETRY: telemetry ? "1" : "0",
  };
  if (telemetry) {
    env["OTEL_METRICS_EXPORTER"] = "otlp";
    env["OTEL_LOGS_EXPORTER"] = "otlp";
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = telemetry.otlpEndpoint;
    env["OTEL_EXPORTER_OTLP_PROTOCOL"] = telemetry.otlpProtocol ?? "grpc";
  }
  return sortKeys({ ...env, ...settings.claudeEnv, ...extra });
}

function sortKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function codeFields(request: CodeRunRequest, settings: ResolvedRendererSettings) {
  const tools = resolveTools(request, settings);
  const mcpAllow = [
    ...(tools.remoteTools.length > 0 ? ["mcp__toolman"] : []),
    ...tools.localServers.map((s) => `mcp__${s.name}`),
  ];
  return {
    task_id: request.taskId,
    service_name: request.service,
    platform_repository_url: request.docsRepositoryUrl,
    docs_repository_url: request.docsRepositoryUrl,
    docs_auth_kind: authKindFor(request.docsRepositoryUrl),
    docs_branch: request.docsBranch,
    docs_project_directory: request.docsProjectDirectory ?? `_projects/${request.service}`,
    branch: request.branch,
    source_branch: request.branch,
    feature_branch: `feature/task-${request.taskId}-implementation`,
    docs_branch_prefix: null,
    tool_config: tools.toolConfig,
    remote_tools: tools.remoteTools,
    remote_tool_details: tools.remoteTools.map((name) => ({
      name,
      description: settings.toolDescriptions[name] ?? null,
    })),
    local_tools: tools.localTools,
    local_servers: tools.localServers,
    context_version: request.contextVersion,
    prompt_modification: request.promptModification ?? null,
    prompt_mode: request.promptMode,
    continue_session: request.continueSession,
    overwrite_memory: request.overwriteMemory,
    session_id: request.sessionId ?? null,
    retry_count: request.retryCount,
    max_retries: request.maxRetries,
    env: sortKeys(request.env),
    claude_env: claudeEnv(settings, request.env),
    permissions_allow: [...new Set([...settings.permissions.allow.code, ...mcpAllow])],
  };
}

/**
 * The template context for one run: the request, flattened and defaulted, plus the renderer's settings.
 * Pure: the same request, settings and run info always give the same context.
 * @throws InvalidToolSelectionError when a code request names an unknown local tool
 */
export function buildRenderContext(
  request: RunRequest,
  settings: RendererSettings | ResolvedRendererSettings,
  run: RunInfo,
): RenderContext {
  const resolved = resolveRendererSettings(settings);
  const { host, slug } = parseRepositoryUrl(request.repositoryUrl);
  const common = {
    kind: request.kind,
    is_docs: request.kind === "docs",
    is_code: request.kind === "code",
    run_id: run.runId,
    attempt: run.attempt,
    rendered_at: run.now.toISOString(),
    source_type: request.source.type,
    source_url: sourceUrl(request),
    repository_url: request.repositoryUrl,
    auth_kind: authKindFor(request.repositoryUrl),
    repository_host: host,
    repository_slug: slug,
    github_user: request.githubUser,
    git_author_name: request.githubUser,
    git_author_email: `${request.githubUser}@users.noreply.github.com`,
    working_directory: request.workingDirectory,
    model: request.model,
    toolman_server_url: resolved.toolmanServerUrl,
    instructions: request.instructions ?? null,
    has_instructions: (request.instructions ?? "").trim() !== "",
    permissions_deny: [...resolved.permissions.deny],
    task_prompt_begin_marker: TASK_PROMPT_MARKERS.begin,
    task_prompt_end_marker: TASK_PROMPT_MARKERS.end,
    allowed_git_hosts: resolved.allowedGitHosts.join(" "),
    ssh_known_hosts: resolved.sshKnownHosts,
    request_env_names: requestEnvNames(request).join(" "),
    denied_env_globs: DENIED_ENV_GLOBS.join(" "),
  };
  if (request.kind === "code") {
    const code = codeFields(request, resolved);
    return { ...common, ...code, is_retry: run.attempt > 1 || request.retryCount > 0 };
  }
  return {
    ...common,
    is_retry: run.attempt > 1,
    task_id: null,
    service_name: null,
    platform_repository_url: null,
    docs_repository_url: null,
    docs_auth_kind: null,
    docs_branch: null,
    docs_project_directory: null,
    branch: request.sourceBranch,
    source_branch: request.sourceBranch,
    feature_branch: null,
    docs_branch_prefix: DOCS_BRANCH_PREFIX,
    tool_config: null,
    remote_tools: [],
    remote_tool_details: [],
    local_tools: [],
    local_servers: [],
    context_version: null,
    prompt_modification: null,
    prompt_mode: null,
    continue_session: false,
    overwrite_memory: false,
    session_id: null,
    retry_count: 0,
    max_retries: 0,
    env: {},
    claude_env: claudeEnv(resolved, {}),
    permissions_allow: [...resolved.permissions.allow.docs],
  };
}
