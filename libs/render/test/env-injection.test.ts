import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeRunRequest } from "@orchestrator/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type Renderer } from "../src/index.js";
import { createRemote, isolatedGitEnv, makeTempDir } from "./support/git-fixtures.js";
import { codeRequest, FIXED_RUN } from "./support/requests.js";
import {
  claudeCalls,
  createSandbox,
  ghCalls,
  runBash,
  runContainerScript,
  TEST_TOKEN,
  writeConfig,
} from "./support/script-harness.js";

const TARGET_URL = "git@github.com:5dlabs/trader.git";
const DOCS_URL = "git@github.com:5dlabs/platform.git";

function setup() {
  const root = makeTempDir("env-injection");
  const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
  const docs = createRemote(
    root,
    "platform",
    { "_projects/trader/.taskmaster/docs/task-1/task.md": "# Task 1\n" },
    gitEnv,
  );
  const target = createRemote(root, "trader", { "README.md": "# trader\n" }, gitEnv);
  const sandbox = createSandbox(root, { [TARGET_URL]: target.url, [DOCS_URL]: docs.url });
  const marker = (name: string) => join(root, `pwned-${name}`);
  writeFileSync(
    join(root, "touch.cjs"),
    `require("fs").writeFileSync(${JSON.stringify(marker("node"))}, "")\n`,
  );
  /** every variable the issue names, each aimed at creating its own marker file */
  const hostile: Record<string, string> = {
    BASH_ENV: `$(touch ${marker("bash-env")})`,
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "core.fsmonitor",
    GIT_CONFIG_VALUE_0: `touch ${marker("fsmonitor")}; false`,
    SHELLOPTS: "xtrace",
    PS4: `$(touch ${marker("ps4")}) `,
    NODE_OPTIONS: `--require ${join(root, "touch.cjs")}`,
    LD_PRELOAD: join(root, "missing-preload.so"),
  };
  const markers = ["bash-env", "fsmonitor", "ps4", "node"].map(marker);
  return { root, sandbox, hostile, markers };
}

describe("the agent's environment cannot steer the script (rendered container.sh, real bash and git)", () => {
  let renderer: Renderer;
  beforeAll(async () => {
    renderer = await createRenderer();
  });
  afterAll(() => renderer.close());

  it("refuses to start when a request that bypassed the ingress names a denied variable", async () => {
    const { sandbox, hostile, markers } = setup();
    // a CR applied with kubectl: never validated by the ingress, its env reaches the agent's environment
    const request = { ...codeRequest(), env: { FEATURE_FLAG: "on", ...hostile } } as CodeRunRequest;
    writeConfig(sandbox, renderer.render(request, FIXED_RUN).files);
    const { LD_PRELOAD: _loadedByBashItself, ...inEnvironment } = hostile;

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code", ...inEnvironment });

    expect(run.result?.outcome).toBe("failed");
    expect(run.result?.reason).toBe(
      "request env name BASH_ENV is reserved (deny-list entry BASH_ENV); refusing to start",
    );
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
    expect(claudeCalls(sandbox)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain(TEST_TOKEN);
  });

  it("names every denied variable it finds, one at a time, including loader and node variables", async () => {
    for (const name of ["LD_PRELOAD", "NODE_OPTIONS", "GIT_CONFIG_COUNT", "PS4", "HTTPS_PROXY"]) {
      const { sandbox } = setup();
      const request = { ...codeRequest(), env: { [name]: "x" } } as CodeRunRequest;
      writeConfig(sandbox, renderer.render(request, FIXED_RUN).files);
      const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code" });
      expect(run.result?.reason, name).toMatch(
        new RegExp(`^request env name ${name} is reserved \\(deny-list entry `),
      );
      expect(claudeCalls(sandbox)).toEqual([]);
    }
  });

  it("runs git and gh with a clean environment: variables from elsewhere in the pod change nothing", async () => {
    const { sandbox, hostile, markers } = setup();
    writeConfig(sandbox, renderer.render(codeRequest(), FIXED_RUN).files);
    const { LD_PRELOAD: _l, NODE_OPTIONS: _n, ...inEnvironment } = hostile;

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code", ...inEnvironment });

    expect(run.result?.outcome, run.stderr).toBe("succeeded");
    expect(run.result?.pullRequestUrl).toMatch(/^https:\/\//);
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
    expect(ghCalls(sandbox).every((c) => c.ghToken === TEST_TOKEN)).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(TEST_TOKEN);
  });

  it("never traces the token: no xtrace reaches the PR hook, and gh's token is never traced", async () => {
    const { sandbox } = setup();
    writeConfig(sandbox, renderer.render(codeRequest(), FIXED_RUN).files);
    writeFileSync(join(sandbox.root, "shim-env"), "export FAKE_CLAUDE_MODE=code\n");
    // plain bash (not the Job's bash -p), with xtrace switched on from the environment
    const run = await runBash(
      [join(sandbox.configDir, "container.sh")],
      { ...sandbox.env, FAKE_CLAUDE_MODE: "code", SHELLOPTS: "xtrace" },
      sandbox.root,
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toContain("+ orch_setup_git_auth");
    expect(ghCalls(sandbox).some((c) => c.ghToken === TEST_TOKEN)).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(TEST_TOKEN);

    // the hook itself traced from its first line: gh still gets the token, the trace never shows it
    const hook = join(sandbox.workspace, "target-repo", ".claude", "hooks", "stop-pr-creation.sh");
    const calls = ghCalls(sandbox).length;
    const traced = await runBash(["-x", hook], sandbox.env, join(sandbox.workspace, "target-repo"));
    expect(traced.stderr).toContain("+ orch_gh pr list");
    expect(
      ghCalls(sandbox)
        .slice(calls)
        .map((c) => c.ghToken),
    ).toEqual([TEST_TOKEN]);
    expect(traced.stdout + traced.stderr).not.toContain(TEST_TOKEN);
  });
});
