import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import { testCodeRun as codeRun, testDocsRun as docsRun } from "../testing.js";
import { isProcessAlive, type LocalRunState, readLocalRunState } from "./local-run-state.js";
import { LocalRuntime } from "./local-runtime.js";

let dataDir: string;
let runtime: LocalRuntime;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "orch-local-"));
  runtime = new LocalRuntime({
    dataDir,
    path: process.env.PATH ?? "/usr/bin:/bin",
    anthropicApiKey: "sk-test",
    githubTokenFile: join(dataDir, "token"),
    log: pino({ level: "silent" }),
    killGraceMs: 500,
  });
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function waitForExit(dir: string, timeoutMs = 10_000): Promise<LocalRunState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readLocalRunState(dir);
    if (state?.status === "exited") return state;
    if (Date.now() > deadline) throw new Error(`run in ${dir} did not exit: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function collect(iterable: AsyncIterable<string | Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of iterable)
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
  return out;
}

const reportingScript = `#!/bin/bash
set -eu
echo "run $ORCH_RUN_ID in $(pwd)"
echo "config: $(ls "$ORCH_CONFIG_DIR" | tr '\\n' ' ')"
echo "home=$HOME key=\${ANTHROPIC_API_KEY:+set} token=$ORCH_GITHUB_TOKEN_FILE ssh=\${ORCH_SSH_KEY_DIR:-unset}"
echo "oops" >&2
printf '{"outcome":"succeeded","pullRequestUrl":"https://github.com/o/r/pull/7","sessionId":"s-1"}' > "$ORCH_RESULT_FILE"
`;

describe("LocalRuntime", () => {
  it("runs the rendered script with the agent env, captures its output and reports its result", async () => {
    const run = docsRun();
    const { links } = await runtime.dispatch(run, {
      "container.sh": reportingScript,
      "CLAUDE.md": "# memory",
    });
    const dir = join(dataDir, "runs", run.id);
    expect(links).toEqual({ localDir: dir });
    const state = await waitForExit(dir);
    expect(state).toMatchObject({
      status: "exited",
      exitCode: 0,
      cancelled: false,
      result: { outcome: "succeeded", pullRequestUrl: "https://github.com/o/r/pull/7", sessionId: "s-1" },
    });
    expect(state.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(state.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const output = await collect(runtime.logs({ ...run, links }, { follow: false }));
    expect(output).toContain(`run ${run.id} in ${join(dir, "workspace")}`);
    expect(output).toContain("config: CLAUDE.md container.sh");
    expect(output).toContain(`home=${join(dir, "home")} key=set token=${join(dataDir, "token")} ssh=unset`);
    expect(output).toContain("oops");
    expect(await collect(runtime.logs({ ...run, links }, { follow: false, tailLines: 1 }))).toBe("oops\n");
  });

  it("refuses to dispatch a run whose preflight fails, naming the variable that fixes it", async () => {
    const strict = new LocalRuntime({
      dataDir,
      path: process.env.PATH ?? "/usr/bin:/bin",
      preflight: true,
      anthropicApiKey: "sk-test",
      githubTokenFile: join(dataDir, "token"),
      log: pino({ level: "silent" }),
    });
    const mixed = codeRun({
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    });
    const error = await strict.dispatch(mixed, { "container.sh": "exit 0\n" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PermanentDispatchError);
    expect((error as Error).message).toContain("set LOCAL_SSH_KEY_DIR");
    expect(await readLocalRunState(strict.runDir(mixed.id))).toBeUndefined();
  });

  it("removes every copy of key material when the run ends, and sweeps leftovers of crashed runs", async () => {
    const run = docsRun();
    await runtime.dispatch(run, {
      "container.sh": `mkdir -p "$HOME/.ssh" "$TMPDIR/orchestrator-auth.x"
echo key > "$HOME/.ssh/id_orchestrator"; echo helper > "$TMPDIR/orchestrator-auth.x/git-askpass"
echo "tmp=$TMPDIR"
`,
    });
    const dir = runtime.runDir(run.id);
    expect(await waitForExit(dir)).toMatchObject({ exitCode: 0 });
    expect(await collect(runtime.logs(run, { follow: false }))).toContain(`tmp=${join(dir, "tmp")}`);
    expect(existsSync(join(dir, "home", ".ssh"))).toBe(false);
    expect(existsSync(join(dir, "tmp"))).toBe(false);

    // a run whose wrapper was killed before its clean-up left a key behind
    const crashed = join(dataDir, "runs", "run-crashed");
    mkdirSync(join(crashed, "home", ".ssh"), { recursive: true });
    writeFileSync(join(crashed, "home", ".ssh", "id_orchestrator"), "key");
    writeFileSync(join(crashed, "exit.json"), '{"exitCode":137}');
    expect(await runtime.sweep()).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(crashed, "home", ".ssh", "id_orchestrator"))).toBe(false);
  });

  it("records a failing script's exit code", async () => {
    const run = docsRun();
    await runtime.dispatch(run, { "container.sh": "echo failing; exit 3\n" });
    expect(await waitForExit(runtime.runDir(run.id))).toMatchObject({ status: "exited", exitCode: 3 });
  });

  it("starts a run once however often it is dispatched", async () => {
    const run = codeRun();
    const script = `echo started >> "$ORCH_WORKSPACE_DIR/starts"; sleep 0.3\n`;
    await Promise.allSettled([
      runtime.dispatch(run, { "container.sh": script }),
      runtime.dispatch(run, { "container.sh": script }),
    ]);
    await runtime.dispatch(run, { "container.sh": script });
    await waitForExit(runtime.runDir(run.id));
    await runtime.dispatch(run, { "container.sh": script });
    const starts = await readFile(join(dataDir, "workspaces", "trader", "starts"), "utf8");
    expect(starts).toBe("started\n");
  });

  it("keeps a service's workspace between code runs", async () => {
    const first = codeRun({}, "run-first000000000001");
    const second = codeRun({}, "run-second00000000002");
    await runtime.dispatch(first, { "container.sh": `echo from-first > "$ORCH_WORKSPACE_DIR/notes"\n` });
    await waitForExit(runtime.runDir(first.id));
    await runtime.dispatch(second, { "container.sh": `cat "$ORCH_WORKSPACE_DIR/notes"\n` });
    await waitForExit(runtime.runDir(second.id));
    expect(await collect(runtime.logs(second, { follow: false }))).toBe("from-first\n");
  });

  it("refuses another GitHub user's run on a service whose workspace belongs to the first user's runs", async () => {
    const script = `#!/bin/bash\necho "$ORCH_RUN_ID" >> "$ORCH_WORKSPACE_DIR/runs"\n`;
    const first = codeRun({ service: "vault", githubUser: "high-bot" });
    await runtime.dispatch(first, { "container.sh": script });
    expect((await waitForExit(join(dataDir, "runs", first.id))).exitCode).toBe(0);

    const other = codeRun({ service: "vault", githubUser: "low-bot" });
    const err = await runtime.dispatch(other, { "container.sh": script }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentDispatchError);
    expect((err as PermanentDispatchError).reason).toBe("workspace-owned");
    expect((err as Error).message).toContain(
      "workspace vault belongs to high-bot's runs; use another service",
    );
    expect(existsSync(join(dataDir, "runs", other.id, "started.json"))).toBe(false);

    const again = codeRun({ service: "vault", githubUser: "High-Bot" });
    await runtime.dispatch(again, { "container.sh": script });
    expect((await waitForExit(join(dataDir, "runs", again.id))).exitCode).toBe(0);
    expect(await readFile(join(dataDir, "workspaces", "vault", "runs"), "utf8")).toBe(
      `${first.id}\n${again.id}\n`,
    );
  });

  it("adopts a workspace from before owner records for the first user that runs on it", async () => {
    mkdirSync(join(dataDir, "workspaces", "trader"), { recursive: true });
    const script = "#!/bin/bash\ntrue\n";
    const first = codeRun({ service: "trader", githubUser: "low-bot" });
    await runtime.dispatch(first, { "container.sh": script });
    await waitForExit(join(dataDir, "runs", first.id));
    const err = await runtime
      .dispatch(codeRun({ service: "trader" }), { "container.sh": script })
      .catch((e) => e);
    expect((err as Error).message).toContain("workspace trader belongs to low-bot's runs");
  });

  it("follows the output until the run ends", async () => {
    const run = docsRun();
    await runtime.dispatch(run, { "container.sh": "for i in 1 2 3; do echo line $i; sleep 0.1; done\n" });
    const output = await collect(runtime.logs(run, { follow: true }));
    expect(output).toBe("line 1\nline 2\nline 3\n");
  });

  it("stops following when the reader goes away", async () => {
    const run = docsRun();
    await runtime.dispatch(run, { "container.sh": "echo hello; sleep 30\n" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    expect(await collect(runtime.logs(run, { follow: true, signal: controller.signal }))).toBe("hello\n");
    await runtime.cancel(run);
  });

  it("cancels a running agent and everything it started", async () => {
    const run = docsRun();
    await runtime.dispatch(run, {
      "container.sh": `sleep 30 & echo $! > "$ORCH_WORKSPACE_DIR/child.pid"; wait\n`,
    });
    const dir = runtime.runDir(run.id);
    await expect
      .poll(() => readFile(join(dir, "workspace", "child.pid"), "utf8").catch(() => ""))
      .not.toBe("");
    const grandchild = Number(await readFile(join(dir, "workspace", "child.pid"), "utf8"));
    const started = Date.now();
    await runtime.cancel(run);
    expect(Date.now() - started).toBeLessThan(3000);
    const state = await readLocalRunState(dir);
    expect(state).toMatchObject({ status: "exited", cancelled: true, signal: "TERM" });
    await expect.poll(() => isProcessAlive(grandchild)).toBe(false);
  });

  it("kills an agent that ignores SIGTERM after the grace period", async () => {
    const run = docsRun();
    await runtime.dispatch(run, {
      "container.sh": `trap '' TERM; echo ready; while true; do sleep 0.1; done\n`,
    });
    const dir = runtime.runDir(run.id);
    await expect.poll(() => readFile(join(dir, "output.log"), "utf8").catch(() => "")).toContain("ready");
    await runtime.cancel(run);
    expect(await readLocalRunState(dir)).toMatchObject({
      status: "exited",
      cancelled: true,
      exitCode: 137,
      signal: "KILL",
    });
  });

  it("does not start a run that was cancelled before it was dispatched", async () => {
    const run = docsRun();
    await runtime.cancel(run);
    await runtime.dispatch(run, { "container.sh": "echo should-not-run\n" });
    expect((await readLocalRunState(runtime.runDir(run.id)))?.status).toBeUndefined();
    expect(await collect(runtime.logs(run, { follow: true }))).toBe("");
  });

  it("reads a run that never started as absent", async () => {
    expect(await readLocalRunState(join(dataDir, "nope"))).toBeUndefined();
  });
});
