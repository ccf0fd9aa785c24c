import { describe, expect, it } from "vitest";
import { podFixture, T0, terminated } from "../../test/fixtures/kube-objects.js";
import { outcomeFromCustomResource, outcomeFromPods, podStillWorking } from "./recover-outcome.js";

describe("outcomeFromPods: a run whose Job is gone", () => {
  it("reads success and the agent's result from a pod that outlived its Job", () => {
    const message = JSON.stringify({ outcome: "succeeded", pullRequestUrl: "https://github.com/o/r/pull/9" });
    const pod = podFixture({ phase: "Succeeded", state: terminated(0, { reason: "Completed", message }) });
    expect(outcomeFromPods([pod], T0)).toMatchObject({
      phase: "Succeeded",
      message: "agent finished: https://github.com/o/r/pull/9",
      result: { pullRequestUrl: "https://github.com/o/r/pull/9" },
    });
  });

  it("reads a failure with its reason", () => {
    const pod = podFixture({
      phase: "Failed",
      memoryLimit: "4Gi",
      state: terminated(137, { reason: "OOMKilled" }),
    });
    expect(outcomeFromPods([pod], T0)).toMatchObject({ phase: "Failed", reason: "OOMKilled" });
  });

  it("knows nothing while no pod has ended", () => {
    const running = podFixture({ phase: "Running", state: { running: {} } });
    expect(outcomeFromPods([running], T0)).toBeUndefined();
    expect(podStillWorking([running])).toBe(true);
    expect(outcomeFromPods([], T0)).toBeUndefined();
    expect(podStillWorking([])).toBe(false);
  });
});

describe("outcomeFromCustomResource", () => {
  it("takes a final phase the CR status already shows for this run", () => {
    const status = {
      runId: "run-1",
      phase: "Succeeded",
      message: "agent finished: https://github.com/o/r/pull/3",
      pullRequestUrl: "https://github.com/o/r/pull/3",
    };
    expect(outcomeFromCustomResource(status, "run-1")).toEqual({
      phase: "Succeeded",
      message: "agent finished: https://github.com/o/r/pull/3",
      result: { pullRequestUrl: "https://github.com/o/r/pull/3" },
    });
    expect(outcomeFromCustomResource(status, "run-2")).toBeUndefined();
    expect(outcomeFromCustomResource({ ...status, phase: "Running" }, "run-1")).toBeUndefined();
  });
});
