import type { OrchestratorClient, RunUpdate, WaitOptions } from "@orchestrator/client";
import type { RunRecord } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { exitCodeFor, watchRun } from "./watch.js";

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();

function run(phase: RunRecord["phase"], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "run-abc",
    kind: "docs",
    phase,
    message: `now ${phase}`,
    request: {
      kind: "docs",
      idempotencyKey: "k",
      source: { type: "cli" },
      repositoryUrl: "git@github.com:acme/trader.git",
      workingDirectory: ".",
      model: "m",
      githubUser: "octocat",
      sourceBranch: "main",
    },
    createdAt: at(0),
    updatedAt: at(1),
    timeline: [{ phase: "Queued", at: at(0), reason: "accepted" }],
    links: {},
    attempt: 1,
    ...extra,
  };
}

/** A client whose wait() replays updates, as the SSE stream would deliver them. */
function fakeClient(updates: RunUpdate[], final: RunRecord): OrchestratorClient {
  return {
    wait: async (_id: string, options: WaitOptions = {}) => {
      for (const u of updates) {
        options.onEvent?.(u);
        await new Promise((r) => setTimeout(r, 15));
      }
      return final;
    },
  } as unknown as OrchestratorClient;
}

const updates: RunUpdate[] = [
  { type: "run", run: run("Queued") },
  {
    type: "event",
    event: {
      runId: "run-abc",
      kind: "docs",
      phase: "Running",
      previousPhase: "Queued",
      at: at(5),
      reason: "agent started",
    },
  },
  {
    type: "event",
    event: {
      runId: "run-abc",
      kind: "docs",
      phase: "Failed",
      previousPhase: "Running",
      at: at(9),
      reason: "exit 1",
    },
  },
];
const final = run("Failed", {
  result: { reason: "tests failed", pullRequestUrl: "https://github.com/acme/trader/pull/2" },
});

describe("watchRun", () => {
  it("prints one plain line per transition and a summary when not on a terminal", async () => {
    let out = "";
    const result = await watchRun(fakeClient(updates, final), "run-abc", {
      out: { write: (s: string) => (out += s) },
      live: false,
      now: () => Date.parse(at(70)),
    });
    expect(result.phase).toBe("Failed");
    expect(out).toBe(
      "12:00:00  Queued  now Queued\n" +
        "12:00:05  Queued → Running  agent started\n" +
        "12:00:09  Running → Failed  exit 1\n" +
        "✖ run-abc Failed after 1m10s: tests failed\n" +
        "  pull request: https://github.com/acme/trader/pull/2\n",
    );
    expect(out).not.toContain("\r");
  });

  it("redraws a status line with phase, elapsed time and message on a terminal", async () => {
    let out = "";
    let clock = Date.parse(at(3));
    await watchRun(fakeClient(updates, final), "run-abc", {
      out: { write: (s: string) => (out += s) },
      live: true,
      tickMs: 5,
      now: () => (clock += 1000),
    });
    const frames = out.split("\r\x1b[2K");
    expect(frames.some((f) => /^. run-abc {2}Running +\d+s {2}agent started$/.test(f))).toBe(true);
    expect(out).toContain("12:00:05  Queued → Running  agent started\n");
    // the status line is cleared before the summary
    expect(frames.some((f) => f.startsWith("✖ run-abc Failed after"))).toBe(true);
  });

  it("maps final phases to exit codes", () => {
    expect([exitCodeFor("Succeeded"), exitCodeFor("Failed"), exitCodeFor("Cancelled")]).toEqual([0, 1, 3]);
  });
});
