import type { CodeRunRequest, ToolConfig } from "@orchestrator/contracts";
import { InvalidToolSelectionError } from "./invalid-tool-selection-error.js";
import type { ResolvedRendererSettings } from "./renderer-settings.js";

/** A local MCP server as the templates see it. */
export interface LocalServerContext {
  name: string;
  command: string;
  args: string[];
  /** the enabled tools of this server */
  tools: string[];
  env: Record<string, string>;
}

export interface ResolvedTools {
  toolConfig: ToolConfig;
  remoteTools: string[];
  /** every enabled local tool, flattened */
  localTools: string[];
  localServers: LocalServerContext[];
}

/**
 * The preset named by `toolConfig`, with the request's explicit lists taking its place: `remoteTools`
 * replaces the preset's remote tools; `localTools` replaces its local servers. A local tool is either a
 * server name (all its tools) or one tool of a server in the catalog.
 * @throws InvalidToolSelectionError for a local tool no catalog server provides
 */
export function resolveTools(request: CodeRunRequest, settings: ResolvedRendererSettings): ResolvedTools {
  const preset = settings.toolPresets[request.toolConfig];
  const remoteTools = dedupe(request.remoteTools ?? preset.remoteTools);
  const selected = new Map<string, Set<string>>();
  const catalog = settings.localServers;
  if (request.localTools === undefined) {
    for (const name of preset.localServers) {
      const server = catalog[name];
      if (!server) throw new InvalidToolSelectionError(name, Object.keys(catalog));
      selected.set(name, new Set(server.tools));
    }
  } else {
    for (const tool of request.localTools) {
      const server = catalog[tool];
      if (server) {
        selected.set(tool, new Set(server.tools));
        continue;
      }
      const owner = Object.entries(catalog).find(([, def]) => def.tools.includes(tool));
      if (!owner) throw new InvalidToolSelectionError(tool, Object.keys(catalog));
      const tools = selected.get(owner[0]) ?? new Set<string>();
      tools.add(tool);
      selected.set(owner[0], tools);
    }
  }
  const localServers: LocalServerContext[] = [...selected.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, tools]) => {
      const def = catalog[name]!;
      return {
        name,
        command: def.command,
        args: [...def.args],
        // keep the catalog's order so output does not depend on the request's order
        tools: def.tools.filter((t) => tools.has(t)),
        env: { ...def.env },
      };
    });
  return {
    toolConfig: request.toolConfig,
    remoteTools,
    localTools: localServers.flatMap((s) => s.tools),
    localServers,
  };
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}
