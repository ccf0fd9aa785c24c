import { codeRunRequestSchema, type RunRecord } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { desiredCrStatus, statusChanged } from "./cr-status.js";

const request = codeRunRequestSchema.parse({
  kind: "code",
  idempotencyKey: "k",
  source: { type: "api" },
  repositoryUrl: "git@github.com:o/r.git",
  docsRepositoryUrl: "git@github.com:o/docs.git",
  workingDirectory: ".",
  model: "claude-sonnet-4-20250514",
  githubUser: "bot",
  taskId: 3,
  service: "trader",
  contextVersion: 2,
  retryCount: 1,
});

function run(phase: RunRecord["phase"], extra: Partial<RunRecord> = {}): RunRecord {
  const phases: RunRecord["phase"][] = [
    "Queued",
    "Rendering",
    "Dispatched",
    "Pending",
    "Running",
    "Succeeded",
  ];
  const upTo =
    phases.indexOf(phase) >= 0 ? phases.slice(0, phases.indexOf(phase) + 1) : [...phases.slice(0, 5), phase];
  return {
    id: "run-0000000000abcdefg",
    kind: "code",
    phase,
    request,
    createdAt: "2026-03-01T12:00:00.000Z",
    updatedAt: "2026-03-01T12:00:00.000Z",
    timeline: upTo.map((p, i) => ({ phase: p, at: `2026-03-01T12:0${i}:00.000Z`, reason: `to ${p}` })),
    links: { job: "code-job", configMap: "code-files" },
    attempt: 2,
    message: `to ${phase}`,
    ...extra,
  };
}

describe("desiredCrStatus", () => {
  it("mirrors the run: phase, message, names, PR URL, session id, retry count and context version", () => {
    const status = desiredCrStatus(
      run("Succeeded", { result: { pullRequestUrl: "https://github.com/o/r/pull/1", sessionId: "s-1" } }),
      undefined,
      "T1",
    );
    expect(status).toMatchObject({
      phase: "Succeeded",
      message: "to Succeeded",
      jobName: "code-job",
      configmapName: "code-files",
      pullRequestUrl: "https://github.com/o/r/pull/1",
      sessionId: "s-1",
      retryCount: 1,
      contextVersion: 2,
      runId: "run-0000000000abcdefg",
    });
    expect(status.conditions).toEqual([
      { type: "Dispatched", status: "True", reason: "JobCreated", lastTransitionTime: "T1" },
      { type: "Running", status: "False", reason: "Succeeded", lastTransitionTime: "T1" },
      {
        type: "Complete",
        status: "True",
        reason: "Succeeded",
        message: "to Succeeded",
        lastTransitionTime: "T1",
      },
      {
        type: "Ready",
        status: "True",
        reason: "Succeeded",
        message: "to Succeeded",
        lastTransitionTime: "T1",
      },
    ]);
  });

  it("moves lastTransitionTime only for conditions whose status flipped", () => {
    const running = desiredCrStatus(run("Running"), undefined, "T1");
    const failed = desiredCrStatus(run("Failed"), running, "T2");
    const byType = Object.fromEntries((failed.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Dispatched?.lastTransitionTime).toBe("T1");
    expect(byType.Running).toMatchObject({ status: "False", lastTransitionTime: "T2" });
    expect(byType.Complete).toMatchObject({ status: "True", reason: "Failed", lastTransitionTime: "T2" });
    expect(byType.Ready).toMatchObject({ status: "False", lastTransitionTime: "T2" });
  });
});

describe("desiredCrStatus: observedGeneration", () => {
  it("says which generation of the spec the status was written for, so a spec edit shows as not yet observed", () => {
    expect(desiredCrStatus(run("Running"), undefined, "T1", 3).observedGeneration).toBe(3);
    const before = desiredCrStatus(run("Running"), undefined, "T1", 1);
    expect(statusChanged(before, desiredCrStatus(run("Running"), before, "T2", 2))).toBe(true);
  });
});

describe("statusChanged", () => {
  it("ignores lastUpdate and fields the watcher does not write", () => {
    const desired = desiredCrStatus(run("Running"), undefined, "T1");
    expect(statusChanged({ ...desired, lastUpdate: "x", observedGeneration: 4 }, desired)).toBe(false);
    expect(statusChanged(undefined, desired)).toBe(true);
    expect(statusChanged({ ...desired, phase: "Pending" }, desired)).toBe(true);
  });
});
