import { describe, expect, it } from "vitest";
import { jobFixture, podFixture, T0, terminated } from "../../test/fixtures/kube-objects.js";
import { type JobObservationInput, observeJob } from "./observe-job.js";

const TEN_MIN = 10 * 60_000;
const observe = (overrides: Partial<JobObservationInput>) =>
  observeJob({
    job: jobFixture(),
    pods: [],
    now: T0 + 5000,
    pendingTimeoutMs: TEN_MIN,
    cancelRequested: false,
    ...overrides,
  });

describe("observeJob: pending", () => {
  it("is Pending while the Job has no pod yet", () => {
    expect(observe({})).toMatchObject({ phase: "Pending", reason: "NoPod", pendingDeadline: T0 + TEN_MIN });
  });

  it("surfaces a quota error that keeps the Job from creating its pod", () => {
    const o = observe({
      jobEventMessage: 'pods "job-1-x" is forbidden: exceeded quota: compute, requested: memory=4Gi',
    });
    expect(o).toMatchObject({ phase: "Pending", reason: "FailedCreate" });
    expect(o.message).toContain("exceeded quota");
  });

  it("names an image that cannot be pulled", () => {
    const pod = podFixture({
      state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "agent:nope"' } },
    });
    expect(observe({ pods: [pod] })).toMatchObject({
      phase: "Pending",
      reason: "ImagePullBackOff",
      message: 'ImagePullBackOff: Back-off pulling image "agent:nope"',
      podName: "job-1-abcde",
    });
  });

  it("says why a pod cannot be scheduled", () => {
    const pod = podFixture({
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 Insufficient memory.",
        },
      ],
    });
    const o = observe({ pods: [pod] });
    expect(o).toMatchObject({ phase: "Pending", reason: "Unschedulable" });
    expect(o.message).toContain("Insufficient memory");
  });

  it("fails a run whose pod stays pending past the timeout, with the reason it is stuck", () => {
    const pod = podFixture({ state: { waiting: { reason: "ErrImagePull", message: "not found" } } });
    const o = observe({ pods: [pod], now: T0 + TEN_MIN + 1 });
    expect(o).toMatchObject({ phase: "Failed", reason: "PendingTimeout", pendingTimedOut: true });
    expect(o.message).toBe("pod did not start within 10m 0s: ErrImagePull: not found");
  });

  it("never times out a suspended Job", () => {
    expect(observe({ job: jobFixture({ suspend: true }), now: T0 + 2 * TEN_MIN })).toMatchObject({
      phase: "Pending",
      reason: "Suspended",
    });
  });
});

describe("observeJob: running", () => {
  it("is Running once the agent container runs", () => {
    const pod = podFixture({ phase: "Running", state: { running: { startedAt: new Date(T0) } } });
    expect(observe({ pods: [pod], now: T0 + 2 * TEN_MIN })).toMatchObject({
      phase: "Running",
      reason: "PodRunning",
      podName: "job-1-abcde",
    });
  });
});

describe("observeJob: succeeded", () => {
  it("reads the agent's result from the termination message", () => {
    const message = JSON.stringify({
      outcome: "succeeded",
      pullRequestUrl: "https://github.com/o/r/pull/7",
      branch: "feature/task-1-implementation",
      commit: "abc123",
      sessionId: "5f0c7a8e-1",
    });
    const job = jobFixture({ conditions: [{ type: "Complete" }], succeeded: 1 });
    const pod = podFixture({ phase: "Succeeded", state: terminated(0, { reason: "Completed", message }) });
    const o = observe({ job, pods: [pod] });
    expect(o).toMatchObject({
      phase: "Succeeded",
      reason: "Completed",
      message: "agent finished: https://github.com/o/r/pull/7",
    });
    expect(o.result).toEqual({
      outcome: "succeeded",
      pullRequestUrl: "https://github.com/o/r/pull/7",
      branch: "feature/task-1-implementation",
      commit: "abc123",
      sessionId: "5f0c7a8e-1",
    });
  });

  it("succeeds without a result when the script wrote none", () => {
    const job = jobFixture({ conditions: [{ type: "Complete" }] });
    const pod = podFixture({ phase: "Succeeded", state: terminated(0) });
    expect(observe({ job, pods: [pod] })).toMatchObject({ phase: "Succeeded", message: "agent finished" });
  });

  it("fails a run whose script exited 0 but reported a failure", () => {
    const job = jobFixture({ conditions: [{ type: "Complete" }] });
    const message = JSON.stringify({ outcome: "failed", reason: "tests did not pass" });
    const pod = podFixture({ phase: "Succeeded", state: terminated(0, { message }) });
    expect(observe({ job, pods: [pod] })).toMatchObject({
      phase: "Failed",
      reason: "AgentReportedFailure",
      message: "agent reported failure: tests did not pass",
    });
  });
});

describe("observeJob: failed", () => {
  const failedJob = (
    reason = "BackoffLimitExceeded",
    message = "Job has reached the specified backoff limit",
  ) => jobFixture({ conditions: [{ type: "Failed", reason, message }], failed: 1 });

  it("reports OOMKilled with the memory limit", () => {
    const pod = podFixture({
      phase: "Failed",
      memoryLimit: "4Gi",
      state: terminated(137, { reason: "OOMKilled" }),
    });
    expect(observe({ job: failedJob(), pods: [pod] })).toMatchObject({
      phase: "Failed",
      reason: "OOMKilled",
      message: "agent was OOMKilled (memory limit 4Gi)",
    });
  });

  it("reports an exceeded deadline", () => {
    const job = jobFixture({
      conditions: [{ type: "Failed", reason: "DeadlineExceeded" }],
      activeDeadlineSeconds: 3600,
    });
    expect(observe({ job })).toMatchObject({
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: "run exceeded its deadline of 1h 0m",
    });
  });

  it("reports an evicted pod", () => {
    const pod = podFixture({
      phase: "Failed",
      reason: "Evicted",
      message: "The node was low on resource: ephemeral-storage.",
    });
    expect(observe({ job: failedJob(), pods: [pod] })).toMatchObject({ phase: "Failed", reason: "Evicted" });
    const disrupted = podFixture({
      phase: "Failed",
      conditions: [
        { type: "DisruptionTarget", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" },
      ],
    });
    expect(observe({ job: failedJob(), pods: [disrupted] })).toMatchObject({
      phase: "Failed",
      reason: "Evicted",
    });
  });

  it("reports the agent's exit code with the reason from its result", () => {
    const message = JSON.stringify({ outcome: "failed", reason: "could not clone the repository" });
    const pod = podFixture({ phase: "Failed", state: terminated(2, { reason: "Error", message }) });
    expect(observe({ job: failedJob(), pods: [pod] })).toMatchObject({
      phase: "Failed",
      reason: "ExitCode",
      message: "agent exited with code 2: could not clone the repository",
      wantsLogTail: false,
      result: { outcome: "failed", reason: "could not clone the repository" },
    });
  });

  it("keeps a plain-text termination message (log fallback) out of the message, as a redacted log tail", () => {
    const pod = podFixture({
      phase: "Failed",
      state: terminated(1, {
        message:
          "cloning https://x-access-token:ghs_abcdefghijklmnop1234@github.com/o/r\nfatal: repository not found\n",
      }),
    });
    const o = observe({ job: failedJob(), pods: [pod] });
    expect(o).toMatchObject({ message: "agent exited with code 1", reason: "ExitCode", wantsLogTail: false });
    expect(o.logTail).toBe("cloning https://[REDACTED]@github.com/o/r\nfatal: repository not found");
  });

  it("redacts tokens in the reason the agent's script reported", () => {
    const message = JSON.stringify({
      outcome: "failed",
      reason: "push failed with token ghp_0123456789abcdefghij",
    });
    const pod = podFixture({ phase: "Failed", state: terminated(1, { message }) });
    expect(observe({ job: failedJob(), pods: [pod] }).message).toBe(
      "agent exited with code 1: push failed with token [REDACTED]",
    );
  });

  it("asks for the log tail when only an exit code is known", () => {
    const pod = podFixture({ phase: "Failed", state: terminated(1) });
    expect(observe({ job: failedJob(), pods: [pod] })).toMatchObject({
      message: "agent exited with code 1",
      wantsLogTail: true,
    });
  });

  it("reports a pod deleted while the agent worked", () => {
    expect(observe({ job: failedJob(), pods: [], deletedPod: "job-1-abcde" })).toMatchObject({
      phase: "Failed",
      reason: "PodDeleted",
      message: "pod job-1-abcde was deleted before the agent finished",
    });
    const deleting = podFixture({ phase: "Running", deleting: true, state: { running: {} } });
    expect(observe({ job: failedJob(), pods: [deleting] })).toMatchObject({ reason: "PodDeleted" });
    // the kubelet stops a deleted pod's agent with SIGTERM: still a deletion, not an exit code
    const killed = podFixture({
      phase: "Failed",
      deleting: true,
      state: terminated(143, { reason: "Error" }),
    });
    expect(observe({ job: failedJob(), pods: [killed] })).toMatchObject({ reason: "PodDeleted" });
    const gone = podFixture({ phase: "Failed", state: terminated(143) });
    expect(observe({ job: failedJob(), pods: [gone], deletedPod: "job-1-abcde" })).toMatchObject({
      reason: "PodDeleted",
    });
  });

  it("falls back to the Job's failure condition", () => {
    expect(observe({ job: failedJob() })).toMatchObject({
      phase: "Failed",
      reason: "BackoffLimitExceeded",
      message: "job failed (BackoffLimitExceeded): Job has reached the specified backoff limit",
    });
  });

  it("reports a failure after a cancel request as Cancelled", () => {
    expect(observe({ job: failedJob(), cancelRequested: true })).toMatchObject({ phase: "Cancelled" });
  });

  it("looks at the newest pod when the Job replaced one", () => {
    const old = podFixture({ name: "old", createdAt: 1000, phase: "Failed", reason: "Evicted" });
    const recent = podFixture({ name: "new", createdAt: 9000, phase: "Failed", state: terminated(3) });
    expect(observe({ job: failedJob(), pods: [old, recent] })).toMatchObject({
      reason: "ExitCode",
      podName: "new",
    });
  });
});
