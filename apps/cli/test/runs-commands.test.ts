import type { RunPhase, RunRecord } from "@orchestrator/contracts";
import type { LogReader } from "@orchestrator/ingress";
import type { RunStore } from "@orchestrator/run-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TOKEN, type IngressHarness, startIngress } from "./ingress-harness.js";
import { collect, runCli, spawnCli, waitForStdout } from "./run-cli.js";

const SEED_CODE = [
  "task",
  "code",
  "1",
  "--service",
  "trader",
  "--repo",
  "git@github.com:5dlabs/platform.git",
  "--github-user",
  "swe-1-5dlabs",
];

/** Moves a run along the way the renderer, dispatcher and watcher would. */
async function drive(
  store: RunStore,
  id: string,
  phases: RunPhase[],
  patch: Parameters<RunStore["transition"]>[3] = {},
): Promise<void> {
  for (const [i, phase] of phases.entries()) {
    await store.transition(id, phase, `moved to ${phase}`, i === phases.length - 1 ? patch : {});
  }
}

async function createRun(env: Record<string, string>): Promise<string> {
  const result = await runCli([...SEED_CODE, "--no-watch", "-o", "json"], { env });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { runId: string }).runId;
}

describe("with the API's log reader missing", () => {
  let h: IngressHarness;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startIngress();
    env = { ORCHESTRATOR_API_URL: h.base, ORCHESTRATOR_TOKEN: CLI_TOKEN };
  });
  afterAll(() => h.close());

  it.each([
    ["Succeeded", 0],
    ["Failed", 1],
  ] as const)("--watch follows the run to %s and exits %i", async (final, code) => {
    const child = spawnCli([...SEED_CODE, "--watch"], { env });
    child.stdin?.end();
    const done = collect(child);
    const [, id] = await waitForStdout(child, /run (run-[a-z0-9]+) accepted/);
    await new Promise((r) => setTimeout(r, 300));
    await drive(h.runStore, id!, ["Rendering", "Dispatched", "Pending", "Running", final], {
      result: {
        outcome: final === "Succeeded" ? "succeeded" : "failed",
        pullRequestUrl: "https://github.com/5dlabs/platform/pull/7",
        reason: final === "Failed" ? "tests failed" : undefined,
      },
    });
    const result = await done;
    expect(result.code).toBe(code);
    expect(result.stdout).toContain("Running → " + final);
    expect(result.stdout).toContain(`${final === "Succeeded" ? "✔" : "✖"} ${id} ${final} after`);
    expect(result.stdout).toContain("pull request: https://github.com/5dlabs/platform/pull/7");
    if (final === "Failed") expect(result.stdout).toContain("tests failed");
  });

  it("--watch exits 3 when the run is cancelled, and runs cancel reports the request", async () => {
    const child = spawnCli([...SEED_CODE, "--watch", "-o", "json"], { env });
    child.stdin?.end();
    const done = collect(child);
    const runId = await new Promise<string>((resolve) => {
      const poll = setInterval(async () => {
        const { runs } = await h.runStore.list({ limit: 1 });
        const run = runs[0];
        if (
          run &&
          !run.cancelRequestedAt &&
          run.phase === "Queued" &&
          Date.now() - Date.parse(run.createdAt) < 5000
        ) {
          clearInterval(poll);
          resolve(run.id);
        }
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 300));
    const cancel = await runCli(["runs", "cancel", runId], { env });
    expect(cancel.stdout).toBe(`cancel requested for ${runId} (phase Cancelled)\n`);
    const result = await done;
    expect(result.code).toBe(3);
    // with --output json the final record is stdout's only content; progress went to stderr
    expect((JSON.parse(result.stdout) as RunRecord).phase).toBe("Cancelled");
    expect(result.stderr).toContain("Queued → Cancelled");
  });

  it("Ctrl-C while following stops watching, leaves the run alone and exits 130", async () => {
    const id = await createRun(env);
    const child = spawnCli(["runs", "watch", id], { env });
    child.stdin?.end();
    const done = collect(child);
    await waitForStdout(child, /Queued/);
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      "interrupted; a run that was accepted keeps going (orchestrator runs cancel <id> stops it)",
    );
    expect((await h.runStore.get(id))?.phase).toBe("Queued");
  });

  it("runs list filters by phase and kind; runs get shows the timeline and the PR", async () => {
    const id = await createRun(env);
    await drive(h.runStore, id, ["Rendering", "Dispatched", "Pending", "Running", "Succeeded"], {
      result: {
        outcome: "succeeded",
        pullRequestUrl: "https://github.com/5dlabs/platform/pull/9",
        branch: "feature/task-1-implementation",
      },
    });
    const listed = await runCli(["runs", "list", "--phase", "succeeded", "--kind", "code"], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^RUN\s+KIND\s+PHASE\s+AGE\s+SOURCE\s+TARGET\s+MESSAGE$/m);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("5dlabs/platform task 1 (trader)");
    const none = await runCli(["runs", "list", "--phase", "Running", "-o", "json"], { env });
    expect((JSON.parse(none.stdout) as { runs: RunRecord[] }).runs.map((r) => r.id)).not.toContain(id);
    const badPhase = await runCli(["runs", "list", "--phase", "Done"], { env });
    expect(badPhase.code).toBe(2);
    expect(badPhase.stderr).toContain("'--phase <phase>' argument 'Done' is invalid. must be one of Queued");

    const shown = await runCli(["runs", "get", id], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Phase:\s+Succeeded$/m);
    expect(shown.stdout).toMatch(/^Pull request:\s+https:\/\/github\.com\/5dlabs\/platform\/pull\/9$/m);
    for (const phase of ["Queued", "Rendering", "Dispatched", "Pending", "Running", "Succeeded"]) {
      expect(shown.stdout).toMatch(new RegExp(`^\\s+\\S+\\s+${phase}\\s+`, "m"));
    }
    const json = await runCli(["runs", "get", id, "-o", "json"], { env });
    expect((JSON.parse(json.stdout) as RunRecord).result?.branch).toBe("feature/task-1-implementation");
    const missing = await runCli(["runs", "get", "run-doesnotexist0000"], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: run run-doesnotexist0000 not found (HTTP 404)\n");
  });

  it("runs get shows the failure reason, the callback and the last 20 lines of a failed run's output", async () => {
    const id = await createRun(env);
    const logTail = Array.from({ length: 25 }, (_, i) => `agent line ${i + 1}`);
    logTail[23] = "\u001b[31merror:\u001b[0m tests failed";
    await drive(h.runStore, id, ["Rendering", "Dispatched", "Pending", "Running", "Failed"], {
      result: { outcome: "failed", reason: "agent exited 137" },
      failureReason: "OOMKilled",
      logTail: `${logTail.join("\n")}\n`,
    });
    await h.runStore.update(id, (run) => ({
      ...run,
      callback: { outcome: "failed", at: "2025-01-02T03:04:05.000Z", detail: "HTTP 500 after 5 attempts" },
    }));

    const shown = await runCli(["runs", "get", id], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Failure:\s+OOMKilled$/m);
    expect(shown.stdout).toMatch(
      /^Callback:\s+failed at 2025-01-02T03:04:05\.000Z: HTTP 500 after 5 attempts$/m,
    );
    const block = shown.stdout.slice(shown.stdout.indexOf("\nLast output:\n"));
    expect(block).toBe(
      "\nLast output:\n" +
        "  … 5 earlier lines not shown\n" +
        [...logTail.slice(5, 23), "error: tests failed", "agent line 25"].map((l) => `  ${l}\n`).join(""),
    );
    expect(shown.stdout).not.toContain("\u001b");

    // JSON output stays the whole record
    const json = JSON.parse((await runCli(["runs", "get", id, "-o", "json"], { env })).stdout) as RunRecord;
    expect(json).toMatchObject({
      failureReason: "OOMKilled",
      logTail: `${logTail.join("\n")}\n`,
      callback: { outcome: "failed", at: "2025-01-02T03:04:05.000Z", detail: "HTTP 500 after 5 attempts" },
    });
  });

  it("runs get of a run that did not fail shows the callback but no Failure or Last output", async () => {
    const id = await createRun(env);
    await drive(h.runStore, id, ["Rendering", "Dispatched", "Pending", "Running", "Succeeded"], {
      result: { outcome: "succeeded" },
      logTail: "not for succeeded runs\n",
    });
    await h.runStore.update(id, (run) => ({
      ...run,
      callback: { outcome: "delivered", at: "2025-01-02T03:04:05.000Z" },
    }));
    const shown = await runCli(["runs", "get", id], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Callback:\s+delivered at 2025-01-02T03:04:05\.000Z$/m);
    expect(shown.stdout).not.toMatch(/^Failure:/m);
    expect(shown.stdout).not.toContain("Last output:");
    expect(shown.stdout).not.toContain("not for succeeded runs");
  });

  it("runs retry starts the next attempt, refuses an unfinished run with the server's reason", async () => {
    const id = await createRun(env);
    const early = await runCli(["runs", "retry", id, "--no-watch"], { env });
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      `error: run ${id} is Queued: only a finished run can be retried (HTTP 409)`,
    );
    expect(early.stderr).not.toContain("--force");
    await drive(h.runStore, id, ["Rendering", "Dispatched", "Pending", "Running", "Failed"], {
      result: { reason: "tests failed" },
    });
    const retried = await runCli(["runs", "retry", id, "--no-watch", "-o", "json"], { env });
    expect(retried.code).toBe(0);
    const answer = JSON.parse(retried.stdout) as { runId: string; retryOf: string };
    expect(answer.retryOf).toBe(id);
    const next = await h.runStore.get(answer.runId);
    expect(next?.attempt).toBe(2);
    expect(next?.request).toMatchObject({ contextVersion: 2, continueSession: true, retryOf: id });
  });

  it("runs retry of a succeeded run shows the server's reason and points at --force", async () => {
    const id = await createRun(env);
    await drive(h.runStore, id, ["Rendering", "Dispatched", "Pending", "Running", "Succeeded"], {
      result: { outcome: "succeeded" },
    });
    const refused = await runCli(["runs", "retry", id, "--no-watch"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: run ${id} succeeded: add ?force=true to run it again (HTTP 409)\n` +
        "use --force to retry a succeeded run\n",
    );
    const forced = await runCli(["runs", "retry", id, "--force", "--no-watch", "-o", "json"], { env });
    expect(forced.code).toBe(0);
    expect((JSON.parse(forced.stdout) as { retryOf: string }).retryOf).toBe(id);
  });

  it("runs logs prints the server's reason when logs are not available", async () => {
    const id = await createRun(env);
    const result = await runCli(["runs", "logs", id], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: logs are not available in this deployment (no log reader configured) (HTTP 501)\n",
    );
  });
});

describe("with a log reader", () => {
  let h: IngressHarness;
  let env: Record<string, string>;
  const seen: { follow: boolean; tailLines?: number }[] = [];
  const logReader: LogReader = {
    async *stream(run, options) {
      seen.push({
        follow: options.follow,
        ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
      });
      yield `agent output of ${run.id}\n`;
      yield new TextEncoder().encode("second line\n");
    },
  };
  beforeAll(async () => {
    h = await startIngress({ logReader });
    env = { ORCHESTRATOR_API_URL: h.base, ORCHESTRATOR_TOKEN: CLI_TOKEN };
  });
  afterAll(() => h.close());

  it("runs logs streams the agent's output, passing --follow and --tail", async () => {
    const id = await createRun(env);
    const noPod = await runCli(["runs", "logs", id], { env });
    expect(noPod.code).toBe(1);
    expect(noPod.stderr).toBe("error: run has no logs yet (phase Queued) (HTTP 409)\n");
    await h.runStore.transition(id, "Rendering", "r");
    await h.runStore.transition(id, "Dispatched", "d", {
      links: { job: "coderun-x", pod: "coderun-x-abcde" },
    });
    const result = await runCli(["runs", "logs", id, "--follow", "--tail", "50"], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`agent output of ${id}\nsecond line\n`);
    expect(seen.at(-1)).toEqual({ follow: true, tailLines: 50 });
  });
});
