import {
  DEFAULT_GIT_HOSTS,
  parseAllowedGitHosts,
  type RunKind,
  type ToolConfig,
} from "@orchestrator/contracts";
import {
  DEFAULT_LOCAL_SERVERS,
  DEFAULT_TOOL_DESCRIPTIONS,
  DEFAULT_TOOL_PRESETS,
  type LocalServerDefinition,
  type ToolPreset,
} from "./tool-catalog.js";

/** OpenTelemetry export for Claude Code (written to `settings.json` env). */
export interface TelemetrySettings {
  otlpEndpoint: string;
  /** @defaultValue "grpc" */
  otlpProtocol?: "grpc" | "http/protobuf" | "http/json";
}

/** Operator settings that shape every render (not per-run input). */
export interface RendererSettings {
  /**
   * URL of the toolman MCP server (HTTP transport) that serves the remote tools.
   * @defaultValue "http://toolman.mcp.svc.cluster.local:3000/mcp"
   */
  toolmanServerUrl?: string;
  /**
   * Claude Code permission rules. `allow` replaces the built-in list of Claude tools for the kind;
   * `mcp__<server>` rules for the configured MCP servers are always added.
   * @defaultValue the built-in lists, no deny rules
   */
  permissions?: { allow?: readonly string[]; deny?: readonly string[] };
  /**
   * Tool presets by name; given presets replace the built-in ones.
   * @defaultValue minimal (nothing), default (brave search, memory, rustdocs), advanced (default + github_create_issue + filesystem server)
   */
  toolPresets?: Partial<Record<ToolConfig, ToolPreset>>;
  /**
   * Local MCP servers a request or preset may enable, by name; merged over the built-in catalog.
   * @defaultValue `{ filesystem: npx -y @modelcontextprotocol/server-filesystem <workspace> }`
   */
  localServers?: Readonly<Record<string, LocalServerDefinition>>;
  /**
   * Descriptions of remote tools for `mcp-tools.md`, merged over the built-in ones.
   * @defaultValue descriptions of the preset tools
   */
  toolDescriptions?: Readonly<Record<string, string>>;
  /**
   * Extra environment for Claude Code (`settings.json` env), applied before the request's own env.
   * @defaultValue {}
   */
  claudeEnv?: Readonly<Record<string, string>>;
  /**
   * Telemetry export; off when absent.
   * @defaultValue undefined
   */
  telemetry?: TelemetrySettings | undefined;
  /**
   * Largest total size (keys + contents, bytes) of the rendered files: a ConfigMap holds 1 MiB, and the
   * object's metadata needs room too.
   * @defaultValue 983040 (1 MiB − 64 KiB)
   */
  maxRenderedBytes?: number;
  /**
   * Git hosts that may receive the GitHub token (`ALLOWED_GIT_HOSTS`, parsed with `parseAllowedGitHosts`):
   * the rendered script refuses other repository hosts, its askpass helper answers only these hosts over
   * https, and `gh` gets a token only for them.
   * @defaultValue ["github.com"]
   */
  allowedGitHosts?: readonly string[];
  /**
   * known_hosts lines pinning the SSH host keys of the allowed hosts (GitHub Enterprise: its own keys);
   * replaced at run time by `$ORCH_SSH_KNOWN_HOSTS` when the agent's environment sets it.
   * @defaultValue GitHub's published keys for github.com ({@link GITHUB_KNOWN_HOSTS})
   */
  sshKnownHosts?: string;
}

/**
 * GitHub's published SSH host keys (docs.github.com, "GitHub's SSH key fingerprints"):
 * SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (Ed25519), SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM
 * (ECDSA), SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (RSA).
 */
export const GITHUB_KNOWN_HOSTS = [
  "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
  "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
].join("\n");

/** {@link RendererSettings} with every default filled in. */
export interface ResolvedRendererSettings {
  readonly resolved: true;
  toolmanServerUrl: string;
  permissions: { allow: Readonly<Record<RunKind, readonly string[]>>; deny: readonly string[] };
  toolPresets: Readonly<Record<ToolConfig, ToolPreset>>;
  localServers: Readonly<Record<string, LocalServerDefinition>>;
  toolDescriptions: Readonly<Record<string, string>>;
  claudeEnv: Readonly<Record<string, string>>;
  telemetry: TelemetrySettings | undefined;
  maxRenderedBytes: number;
  allowedGitHosts: readonly string[];
  sshKnownHosts: string;
}

export const DEFAULT_TOOLMAN_SERVER_URL = "http://toolman.mcp.svc.cluster.local:3000/mcp";
export const DEFAULT_MAX_RENDERED_BYTES = 1024 * 1024 - 64 * 1024;

const CLAUDE_TOOLS = [
  "Bash",
  "Edit",
  "Read",
  "Write",
  "MultiEdit",
  "Glob",
  "Grep",
  "LS",
  "Task",
  "ExitPlanMode",
];
const TODO_AND_WEB = ["WebFetch", "WebSearch", "TodoRead", "TodoWrite"];

/** Claude Code tools allowed without asking, per kind, unless settings replace them (docs has no notebooks). */
export const DEFAULT_ALLOWED_TOOLS: Readonly<Record<RunKind, readonly string[]>> = {
  docs: [...CLAUDE_TOOLS, ...TODO_AND_WEB],
  code: [...CLAUDE_TOOLS, "NotebookRead", "NotebookEdit", ...TODO_AND_WEB],
};

/** Fills in every default. Idempotent: resolving resolved settings changes nothing. */
export function resolveRendererSettings(
  settings: RendererSettings | ResolvedRendererSettings = {},
): ResolvedRendererSettings {
  if (isResolved(settings)) return settings;
  const allow = settings.permissions?.allow;
  return {
    resolved: true,
    toolmanServerUrl: settings.toolmanServerUrl ?? DEFAULT_TOOLMAN_SERVER_URL,
    permissions: {
      allow: allow ? { docs: [...allow], code: [...allow] } : DEFAULT_ALLOWED_TOOLS,
      deny: [...(settings.permissions?.deny ?? [])],
    },
    toolPresets: { ...DEFAULT_TOOL_PRESETS, ...settings.toolPresets },
    localServers: { ...DEFAULT_LOCAL_SERVERS, ...settings.localServers },
    toolDescriptions: { ...DEFAULT_TOOL_DESCRIPTIONS, ...settings.toolDescriptions },
    claudeEnv: { ...settings.claudeEnv },
    telemetry: settings.telemetry,
    maxRenderedBytes: settings.maxRenderedBytes ?? DEFAULT_MAX_RENDERED_BYTES,
    // validated like the environment variable, so a bad entry fails at startup, not in a pod
    allowedGitHosts: settings.allowedGitHosts
      ? parseAllowedGitHosts(settings.allowedGitHosts.join(","))
      : [...DEFAULT_GIT_HOSTS],
    sshKnownHosts: knownHostsLines(settings.sshKnownHosts ?? GITHUB_KNOWN_HOSTS),
  };
}

/** known_hosts content as trimmed, non-empty lines; throws on a line that is not `<hosts> <key type> <key>`. */
function knownHostsLines(value: string): string {
  const lines = value
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (const line of lines) {
    if (!/^[^\s]+ [a-z0-9@.-]+ [A-Za-z0-9+/=]+$/.test(line))
      throw new Error(
        `sshKnownHosts line ${JSON.stringify(line.slice(0, 80))} is not "<hosts> <key type> <base64 key>"`,
      );
  }
  return lines.join("\n");
}

/** Only resolved settings carry `resolved: true`. */
function isResolved(
  settings: RendererSettings | ResolvedRendererSettings,
): settings is ResolvedRendererSettings {
  return "resolved" in settings && settings.resolved === true;
}
