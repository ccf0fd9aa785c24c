import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  ALLOWED_CODE_RUN,
  LEAKED_TOKEN,
  POLICY_CASES,
  POLICY_RULES_YAML,
  type PolicyChange,
  redisText,
} from "@orchestrator/policy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TOKEN, type IngressHarness, startIngress } from "./ingress-harness.js";
import { CLI_BIN, outsideAnyCheckout, runCli } from "./run-cli.js";

// The trust-boundary table of issue 10 through the CLI process and the MCP server: both go through
// the API, so the ingress refuses, and the user sees the rule or field that refused.

let h: IngressHarness;
let client: Client;
beforeAll(async () => {
  h = await startIngress({ rules: POLICY_RULES_YAML });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_BIN, "mcp"],
    cwd: outsideAnyCheckout(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: outsideAnyCheckout(),
      ORCHESTRATOR_API_URL: h.base,
      ORCHESTRATOR_TOKEN: CLI_TOKEN,
    },
  });
  client = new Client({ name: "policy-test", version: "1.0.0" });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await h.close();
});

/** The `task code` flags of a case, or undefined when the CLI cannot express it. */
function cliFlags(change: PolicyChange): string[] | undefined {
  if (change.callbackUrl !== undefined) return undefined; // no callback flag
  if (Object.values(change.env ?? {}).some((v) => v.includes("\u0000"))) return undefined; // argv holds no NUL
  const r = { ...ALLOWED_CODE_RUN, ...change };
  return [
    "task",
    "code",
    String(r.taskId),
    "--service",
    r.service,
    "--repository-url",
    r.repositoryUrl,
    "--platform-repository-url",
    r.docsRepositoryUrl,
    "--github-user",
    r.githubUser,
    ...Object.entries(change.env ?? {}).flatMap(([name, value]) => ["--env", `${name}=${value}`]),
    ...(change.envFromSecrets ?? []).flatMap((e) => [
      "--env-from-secret",
      `${e.name}:${e.secretName}:${e.secretKey}`,
    ]),
    ...(change.promptModification ? ["--prompt-modification", change.promptModification] : []),
    "--no-watch",
  ];
}

const cliCases = POLICY_CASES.flatMap((c) => {
  const flags = cliFlags(c.change);
  return flags ? [[c.name, c, flags] as const] : [];
});

describe("trust-boundary policy: CLI and MCP", () => {
  it("covers most of the table from the CLI", () => {
    // all but the callback cases (no flag) and NUL bytes (argv cannot hold them)
    const inexpressible = POLICY_CASES.filter(
      (c) =>
        c.change.callbackUrl !== undefined ||
        Object.values(c.change.env ?? {}).some((v) => v.includes("\u0000")),
    );
    expect(inexpressible.length).toBeLessThanOrEqual(10);
    expect(cliCases.length).toBe(POLICY_CASES.length - inexpressible.length);
  });

  it.each(cliCases)("the CLI refuses %s, naming the rule or field", async (_name, c, flags) => {
    const result = await runCli(flags, {
      env: { ORCHESTRATOR_API_URL: h.base, ORCHESTRATOR_TOKEN: CLI_TOKEN },
    });
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).toContain(c.names);
    expect(result.stderr).toContain(String(c.status));
    expect(`${result.stdout}${result.stderr}`).not.toContain(LEAKED_TOKEN);
  });

  it.each(POLICY_CASES.map((c) => [c.name, c] as const))(
    "the MCP code tool refuses %s, naming the rule or field",
    async (_name, c) => {
      const { kind: _kind, ...fields } = { ...ALLOWED_CODE_RUN, ...c.change };
      const result = (await client.callTool({ name: "code", arguments: fields })) as CallToolResult;
      expect(result.isError).toBe(true);
      const content = result.content[0];
      const text = content?.type === "text" ? content.text : "";
      expect(text).toContain(`HTTP ${c.status}`);
      expect(text).toContain(c.names);
      expect(text).not.toContain(LEAKED_TOKEN);
    },
  );

  it("stored no run and no credential for any of them; an allowed request still goes through", async () => {
    expect((await h.runStore.list({})).runs).toEqual([]);
    expect(await redisText(h.redis, h.prefix)).not.toContain(LEAKED_TOKEN);
    const { kind: _kind, ...fields } = ALLOWED_CODE_RUN;
    const ok = (await client.callTool({ name: "code", arguments: fields })) as CallToolResult;
    expect(ok.isError).toBeFalsy();
    expect((await h.runStore.list({})).runs).toHaveLength(1);
  });
});
