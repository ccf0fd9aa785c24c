import type { RunKind, ToolConfig } from "@orchestrator/contracts";
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
}

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
  };
}

/** Only resolved settings carry `resolved: true`. */
function isResolved(
  settings: RendererSettings | ResolvedRendererSettings,
): settings is ResolvedRendererSettings {
  return "resolved" in settings && settings.resolved === true;
}
