import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { RunRecord } from "@orchestrator/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TOKEN, type IngressHarness, startIngress } from "./ingress-harness.js";
import { CLI_BIN, outsideAnyCheckout } from "./run-cli.js";

let h: IngressHarness;
let client: Client;
let stderr = "";

beforeAll(async () => {
  h = await startIngress();
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
    stderr: "pipe",
  });
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  client = new Client({ name: "pm-agent-test", version: "1.0.0" });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await h.close();
});

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  if (content?.type !== "text") throw new Error("expected text content");
  return content.text;
}

describe("orchestrator mcp", () => {
  it("lists the five tools with input schemas that mirror the API", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "cancel_run",
      "code",
      "docs",
      "list_runs",
      "run_status",
    ]);
    const code = tools.find((t) => t.name === "code")!;
    expect(code.inputSchema.required?.sort()).toEqual(["githubUser", "repositoryUrl", "service", "taskId"]);
    expect(Object.keys(code.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining([
        "docsRepositoryUrl",
        "docsBranch",
        "toolConfig",
        "remoteTools",
        "env",
        "envFromSecrets",
        "idempotencyKey",
      ]),
    );
    const docs = tools.find((t) => t.name === "docs")!;
    expect(docs.inputSchema.required?.sort()).toEqual(["githubUser", "repositoryUrl", "sourceBranch"]);
    expect(stderr).toContain("orchestrator MCP server");
  });

  it("creates a code run, reads it, lists it and cancels it", async () => {
    const created = await client.callTool({
      name: "code",
      arguments: {
        taskId: 3,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        githubUser: "swe-1-5dlabs",
        model: "opus",
        idempotencyKey: "pm-task-3",
      },
    });
    expect(created.isError).toBeFalsy();
    const { runId, phase } = JSON.parse(text(created)) as { runId: string; phase: string };
    expect(phase).toBe("Queued");

    const again = await client.callTool({
      name: "code",
      arguments: {
        taskId: 3,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        githubUser: "swe-1-5dlabs",
        model: "opus",
        idempotencyKey: "pm-task-3",
      },
    });
    // the same key with the same body (a key reused with another body is refused: 422)
    expect(JSON.parse(text(again))).toMatchObject({ runId, duplicate: true });

    const status = await client.callTool({ name: "run_status", arguments: { runId } });
    const run = JSON.parse(text(status)) as RunRecord;
    expect(run).toMatchObject({ id: runId, kind: "code", phase: "Queued" });
    expect(run.request).toMatchObject({
      taskId: 3,
      service: "trader",
      model: "claude-opus-4-20250514",
      source: { type: "api", actor: "cli" },
    });

    const listed = await client.callTool({ name: "list_runs", arguments: { kind: "code", phase: "Queued" } });
    expect((JSON.parse(text(listed)) as { runs: RunRecord[] }).runs.map((r) => r.id)).toContain(runId);

    const cancelled = await client.callTool({ name: "cancel_run", arguments: { runId } });
    expect(JSON.parse(text(cancelled))).toEqual({ runId, phase: "Cancelled", cancelRequested: true });
    const waited = await client.callTool({
      name: "run_status",
      arguments: { runId, wait: true, timeoutSeconds: 5 },
    });
    expect((JSON.parse(text(waited)) as RunRecord).phase).toBe("Cancelled");
  });

  it("creates a docs run and waits for its end", async () => {
    const created = await client.callTool({
      name: "docs",
      arguments: {
        repositoryUrl: "https://github.com/5dlabs/platform.git",
        sourceBranch: "main",
        workingDirectory: "_projects/trader",
        githubUser: "swe-1-5dlabs",
      },
    });
    const { runId } = JSON.parse(text(created)) as { runId: string };
    const waiting = client.callTool({
      name: "run_status",
      arguments: { runId, wait: true, timeoutSeconds: 20 },
    });
    await new Promise((r) => setTimeout(r, 300));
    for (const phase of ["Rendering", "Dispatched", "Pending", "Running", "Succeeded"] as const) {
      await h.runStore.transition(
        runId,
        phase,
        phase,
        phase === "Succeeded"
          ? { result: { pullRequestUrl: "https://github.com/5dlabs/platform/pull/1" } }
          : {},
      );
    }
    const run = JSON.parse(text(await waiting)) as RunRecord;
    expect(run.phase).toBe("Succeeded");
    expect(run.result?.pullRequestUrl).toBe("https://github.com/5dlabs/platform/pull/1");
  });

  it("returns the server's reason as a tool error", async () => {
    const missing = await client.callTool({
      name: "run_status",
      arguments: { runId: "run-doesnotexist0000" },
    });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe("the orchestrator API refused (HTTP 404): run run-doesnotexist0000 not found");
    const finished = await client.callTool({
      name: "cancel_run",
      arguments: { runId: "run-doesnotexist0000" },
    });
    expect(finished.isError).toBe(true);
    const invalid = await client.callTool({
      name: "code",
      arguments: { taskId: 1, service: "Trader!", repositoryUrl: "git@github.com:a/b.git", githubUser: "x" },
    });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toContain("must match ^[a-z0-9-]{1,63}$");
  });
});
