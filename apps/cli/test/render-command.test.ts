import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord } from "@orchestrator/contracts";
import { createRenderer, type Renderer } from "@orchestrator/render";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TOKEN, type IngressHarness, startIngress } from "./ingress-harness.js";
import { runCli } from "./run-cli.js";

let h: IngressHarness;
let env: Record<string, string>;
let renderer: Renderer;
let out: string;

beforeAll(async () => {
  h = await startIngress();
  env = { ORCHESTRATOR_API_URL: h.base, ORCHESTRATOR_TOKEN: CLI_TOKEN };
  // what the renderer service builds: the library's renderer over the repository's templates, default settings
  renderer = await createRenderer();
  out = mkdtempSync(join(tmpdir(), "orchestrator-cli-render-"));
});
afterAll(async () => {
  renderer.close();
  rmSync(out, { recursive: true, force: true });
  await h.close();
});

const NOW = "2025-03-04T05:06:07.000Z";

/**
 * Sends the flags to the real ingress, renders the stored request as the renderer service would, and
 * renders the same flags with `orchestrator render` for the same run id and time: the files must be equal.
 */
async function compare(kind: "docs" | "code", flags: string[]): Promise<string[]> {
  const task = await runCli(["task", kind, ...flags, "--no-watch", "-o", "json"], { env });
  expect(task.code).toBe(0);
  const { runId } = JSON.parse(task.stdout) as { runId: string };
  const run = (await h.runStore.get(runId)) as RunRecord;
  const expected = renderer.render(run.request, { runId: run.id, attempt: run.attempt, now: new Date(NOW) });

  const dir = join(out, runId);
  const rendered = await runCli(["render", kind, ...flags, "--out", dir, "--run-id", runId, "--now", NOW]);
  expect(rendered.stderr).toBe("");
  expect(rendered.code).toBe(0);
  expect(rendered.stdout).toContain(`digest: ${expected.digest}`);
  const names = readdirSync(dir).sort();
  expect(names).toEqual(Object.keys(expected.files).sort());
  for (const name of names) expect(readFileSync(join(dir, name), "utf8"), name).toBe(expected.files[name]);
  return names;
}

describe("orchestrator render", () => {
  it("writes exactly the renderer's files for a code run", async () => {
    const names = await compare("code", [
      "7",
      "--service",
      "trader",
      "--repo",
      "git@github.com:5dlabs/platform.git",
      "--github-user",
      "swe-1-5dlabs",
      "--platform-repository-url",
      "https://github.com/5dlabs/docs.git",
      "--model",
      "opus",
      "--tool-config",
      "advanced",
      "--remote-tools",
      "rustdocs_query_rust_docs",
      "--context-version",
      "2",
      "--continue-session",
      "--prompt-modification",
      "Use the new order book API.",
      "--env",
      "RUST_LOG=debug",
      "--env-from-secret",
      "API_KEY:agent-trader:api-key",
    ]);
    expect(names).toEqual(
      expect.arrayContaining([
        "CLAUDE.md",
        "container.sh",
        "mcp.json",
        "client-config.json",
        "settings.json",
      ]),
    );
    expect(statSync(join(out, readdirSync(out)[0]!, "container.sh")).mode & 0o111).not.toBe(0);
  });

  it("writes exactly the renderer's files for a docs run", async () => {
    const names = await compare("docs", [
      "--repository-url",
      "git@github.com:5dlabs/platform.git",
      "--source-branch",
      "main",
      "--working-directory",
      "_projects/trader",
      "--github-user",
      "swe-1-5dlabs",
      "--model",
      "sonnet",
    ]);
    expect(names).toEqual(
      expect.arrayContaining(["CLAUDE.md", "container.sh", "prompt.md", "settings.json"]),
    );
  });

  it("validates flags the same way as task, without a server", async () => {
    const result = await runCli([
      "render",
      "code",
      "1",
      "--service",
      "Trader!",
      "--repo",
      "git@github.com:a/b.git",
      "--github-user",
      "x",
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --service "Trader!" must match ^[a-z0-9-]{1,63}$');
    const noOut = await runCli(["render", "docs"]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("required option '--out <dir>' not specified");
  });
});
