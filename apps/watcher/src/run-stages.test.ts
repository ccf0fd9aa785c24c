import type { RunPhase, RunRecord } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { codeRequest } from "../test/fixtures/runs.js";
import { runDurationSeconds, stageDurations } from "./run-stages.js";

function runWith(entries: [RunPhase, number][]): RunRecord {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const last = entries.at(-1)![0];
  return {
    id: "run-0000000000000000a",
    kind: "code",
    phase: last,
    request: codeRequest(),
    createdAt: at(0),
    updatedAt: at(0),
    timeline: entries.map(([phase, s]) => ({ phase, at: at(s), reason: phase })),
    links: {},
    attempt: 1,
  };
}

describe("stageDurations", () => {
  it("measures each stage of a run from its timeline", () => {
    const run = runWith([
      ["Queued", 0],
      ["Rendering", 1],
      ["Queued", 3], // rendered, waiting for a slot
      ["Dispatched", 10],
      ["Pending", 11],
      ["Running", 20],
      ["Succeeded", 50],
    ]);
    expect(stageDurations(run)).toEqual([
      { stage: "accepted_to_rendered", seconds: 3 },
      { stage: "rendered_to_job_created", seconds: 7 },
      { stage: "job_created_to_pod_running", seconds: 10 },
      { stage: "pod_running_to_finished", seconds: 30 },
    ]);
    expect(runDurationSeconds(run)).toBe(50);
  });

  it("leaves out stages a run never reached", () => {
    const run = runWith([
      ["Queued", 0],
      ["Rendering", 1],
      ["Failed", 2],
    ]);
    expect(stageDurations(run)).toEqual([]);
    expect(runDurationSeconds(run)).toBe(2);
  });
});
