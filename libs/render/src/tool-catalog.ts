import { LOCAL_MCP_SERVERS, type ToolConfig } from "@orchestrator/contracts";

/** A local (stdio) MCP server the agent can start, as written to `mcp.json` and `client-config.json`. */
export interface LocalServerDefinition {
  command: string;
  args: readonly string[];
  /** the tools it provides; a request may name the server or any of these */
  tools: readonly string[];
  /** environment for the server process */
  env?: Readonly<Record<string, string>>;
}

/** What a tool preset enables. */
export interface ToolPreset {
  /** tool names served by the toolman (remote MCP) server */
  remoteTools: readonly string[];
  /** names of local servers from the catalog */
  localServers: readonly string[];
}

/**
 * The agent's workspace as seen by Claude Code and toolman: `.mcp.json` supports `${VAR:-default}`, so the
 * same rendered file works in a pod (`/workspace`) and in the local runtime (whatever ORCH_WORKSPACE_DIR is).
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder that Claude Code expands, not JS
export const WORKSPACE_PLACEHOLDER = "${ORCH_WORKSPACE_DIR:-/workspace}";

/** How to start each server of the shared catalog (`LOCAL_MCP_SERVERS`, which ingress validates requests against). */
export const DEFAULT_LOCAL_SERVERS: Readonly<Record<string, LocalServerDefinition>> = {
  filesystem: {
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-filesystem", WORKSPACE_PLACEHOLDER],
    tools: LOCAL_MCP_SERVERS.filesystem,
  },
} satisfies Record<keyof typeof LOCAL_MCP_SERVERS, LocalServerDefinition>;

const DEFAULT_REMOTE = [
  "brave-search_brave_web_search",
  "memory_create_entities",
  "rustdocs_query_rust_docs",
];

export const DEFAULT_TOOL_PRESETS: Readonly<Record<ToolConfig, ToolPreset>> = {
  minimal: { remoteTools: [], localServers: [] },
  default: { remoteTools: DEFAULT_REMOTE, localServers: [] },
  advanced: { remoteTools: [...DEFAULT_REMOTE, "github_create_issue"], localServers: ["filesystem"] },
};

/** One-line descriptions for `mcp-tools.md`; unknown tools are listed without one. */
export const DEFAULT_TOOL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "brave-search_brave_web_search":
    "Search the web (Brave Search) for documentation, error messages and examples.",
  memory_create_entities: "Store facts in the shared knowledge graph so later runs can find them.",
  rustdocs_query_rust_docs: "Query the documentation of Rust crates (docs.rs) by crate and topic.",
  github_create_issue: "Open a GitHub issue, e.g. for a follow-up that is out of scope for this task.",
  kubernetes_listResources: "List Kubernetes resources in the cluster the tools server can see.",
  terraform_list_providers: "List Terraform providers and their documentation.",
};
