import { LOCAL_TOOL_NAMES } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { codeRequest } from "../test/support/requests.js";
import { resolveRendererSettings } from "./renderer-settings.js";
import { resolveTools } from "./resolve-tools.js";
import { DEFAULT_LOCAL_SERVERS } from "./tool-catalog.js";

describe("the built-in local MCP server catalog", () => {
  it("provides exactly the local tools ingress accepts, so an accepted request always renders", () => {
    const provided = Object.entries(DEFAULT_LOCAL_SERVERS).flatMap(([name, def]) => [name, ...def.tools]);
    expect([...provided].sort()).toEqual([...LOCAL_TOOL_NAMES].sort());
    const settings = resolveRendererSettings({});
    for (const tool of LOCAL_TOOL_NAMES) {
      expect(() => resolveTools(codeRequest({ localTools: [tool] }), settings), tool).not.toThrow();
    }
  });
});
