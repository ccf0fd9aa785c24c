/**
 * The local (stdio) MCP servers of the renderer's built-in catalog, each with the tools it provides. A code
 * request's `localTools` may name a server (all its tools) or one of its tools; ingress rejects anything else
 * with a 400 instead of accepting a run whose render can only fail. The renderer adds how to start each server.
 */
export const LOCAL_MCP_SERVERS = {
  filesystem: [
    "read_file",
    "read_multiple_files",
    "write_file",
    "edit_file",
    "create_directory",
    "list_directory",
    "directory_tree",
    "move_file",
    "search_files",
    "get_file_info",
  ],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type LocalMcpServerName = keyof typeof LOCAL_MCP_SERVERS;

/** Every value `localTools` accepts: the server names, then their tools. */
export const LOCAL_TOOL_NAMES: readonly string[] = [
  ...Object.keys(LOCAL_MCP_SERVERS),
  ...Object.values(LOCAL_MCP_SERVERS).flat(),
];
