import { runObjectNames } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { describe, expect, it } from "vitest";
import { docsRequest } from "./fixtures/runs.js";
import { dispatchRun, readCustomResource, scriptRun } from "./kube-harness.js";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const k = useKubeWatcherContext("wk");
const statusPatches = (sim: KubeSim) =>
  sim.requests.filter((r) => r.verb === "patch" && r.subresource === "status" && r.statusCode === 200);

describe("watcher following runs on Kubernetes", () => {
  it("follows a Job to success: PR URL and session id in the run record and the CR status, with conditions", async () => {
    await k.start();
    const run = await k.newRun();
    scriptRun(k.sim, run, {
      durationMs: 100,
      terminationMessage: JSON.stringify({
        outcome: "succeeded",
        pullRequestUrl: "https://github.com/5dlabs/trader/pull/5",
        sessionId: "0f1e2d3c",
        branch: "feature/task-1-implementation",
      }),
    });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Succeeded");
    const done = (await k.ctx.runStore.get(run.id))!;
    expect(done.result).toMatchObject({
      pullRequestUrl: "https://github.com/5dlabs/trader/pull/5",
      sessionId: "0f1e2d3c",
    });
    // Pending may be too short to be seen: the kubelet starts pods within milliseconds here
    expect(done.timeline.map((t) => t.phase).filter((p) => p !== "Pending")).toEqual([
      "Queued",
      "Rendering",
      "Dispatched",
      "Running",
      "Succeeded",
    ]);
    expect(done.links).toMatchObject({
      job: runObjectNames(run).job,
      pod: expect.stringMatching(/^code-run-/),
    });

    await expect.poll(() => readCustomResource(k.sim, run)?.status?.phase).toBe("Succeeded");
    const status = readCustomResource(k.sim, run)!.status!;
    expect(status).toMatchObject({
      runId: run.id,
      pullRequestUrl: "https://github.com/5dlabs/trader/pull/5",
      sessionId: "0f1e2d3c",
      jobName: runObjectNames(run).job,
      contextVersion: 1,
      retryCount: 0,
      observedGeneration: readCustomResource(k.sim, run)!.metadata.generation,
    });
    expect(status.observedGeneration).toBe(1);
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      reason: "Succeeded",
    });
    expect(status.conditions?.every((c) => typeof c.lastTransitionTime === "string")).toBe(true);
    // written only on changes: at most one patch per phase the run went through
    expect(statusPatches(k.sim).length).toBeLessThanOrEqual(done.timeline.length);
  });

  it("fails an OOMKilled run with that reason", async () => {
    await k.start();
    const run = await k.newRun(docsRequest());
    scriptRun(k.sim, run, { oomKilled: true, durationMs: 20 });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
    expect((await k.ctx.runStore.get(run.id))?.message).toBe("agent was OOMKilled (memory limit 4Gi)");
    await expect
      .poll(() => readCustomResource(k.sim, run)?.status?.message)
      .toBe("agent was OOMKilled (memory limit 4Gi)");
  });

  it("surfaces an image pull error while pending, then fails the run at the pending timeout and deletes its Job", async () => {
    await k.start({ settings: { pendingTimeoutMs: 2000 } });
    const run = await k.newRun();
    scriptRun(k.sim, run, { imagePullError: 'pull access denied for "anthropic/claude-code"' });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect
      .poll(async () => (await k.ctx.runStore.get(run.id))?.message ?? "", { timeout: 15_000 })
      .toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(await k.phaseOf(run.id)).toBe("Pending");
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
    expect((await k.ctx.runStore.get(run.id))?.message).toMatch(
      /^pod did not start within 2s: (ImagePullBackOff|ErrImagePull)/,
    );
    await expect
      .poll(() => {
        const job = k.sim.objects.get("jobs.batch", "default", runObjectNames(run).job);
        return !job || Boolean(job.metadata.deletionTimestamp);
      })
      .toBe(true);
  });

  it("fails a run whose pod never started after its Job was deleted without its pods, at the pending timeout", async () => {
    await k.start({ settings: { pendingTimeoutMs: 2000 } });
    const run = await k.newRun();
    scriptRun(k.sim, run, { unschedulable: "0/1 nodes are available: insufficient memory" });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Pending");
    await k.clients.batch.deleteNamespacedJob({
      name: runObjectNames(run).job,
      namespace: "default",
      propagationPolicy: "Orphan",
    });
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
    expect((await k.ctx.runStore.get(run.id))?.message).toMatch(
      /did not start within 2s and its Job is gone/,
    );
  });

  it("fails a run whose pod was deleted, and cancels one whose Job was deleted after a cancel request", async () => {
    await k.start();
    const deletedPod = await k.newRun();
    const cancelled = await k.newRun();
    scriptRun(k.sim, deletedPod, { hang: true });
    scriptRun(k.sim, cancelled, { hang: true });
    await dispatchRun(k.clients, k.ctx.runStore, deletedPod);
    await dispatchRun(k.clients, k.ctx.runStore, cancelled);
    await expect.poll(() => k.phaseOf(deletedPod.id), { timeout: 15_000 }).toBe("Running");
    await expect.poll(() => k.phaseOf(cancelled.id), { timeout: 15_000 }).toBe("Running");

    const pod = (await k.ctx.runStore.get(deletedPod.id))!.links.pod!;
    await k.clients.core.deleteNamespacedPod({ name: pod, namespace: "default" });
    await expect.poll(() => k.phaseOf(deletedPod.id), { timeout: 15_000 }).toBe("Failed");
    expect((await k.ctx.runStore.get(deletedPod.id))?.message).toBe(
      `pod ${pod} was deleted before the agent finished`,
    );

    // what ingress and the dispatcher do for `orchestrator runs cancel`
    await k.ctx.runStore.update(cancelled.id, (r) => ({
      ...r,
      cancelRequestedAt: new Date().toISOString(),
      cancelReason: "cancelled by ops via the console",
    }));
    await k.clients.batch.deleteNamespacedJob({
      name: runObjectNames(cancelled).job,
      namespace: "default",
      propagationPolicy: "Background",
    });
    await expect.poll(() => k.phaseOf(cancelled.id), { timeout: 15_000 }).toBe("Cancelled");
    // the timeline says who cancelled, not which service happened to see the Job go
    expect((await k.ctx.runStore.get(cancelled.id))?.message).toBe("cancelled by ops via the console");
  });

  it("keeps following through dropped watches and failing watch requests", async () => {
    const w = await k.start();
    const run = await k.newRun();
    scriptRun(k.sim, run, {
      durationMs: 3000,
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/o/r/pull/1" }),
    });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Running");
    k.sim.faults.failNext(2, 500, { verb: "watch" });
    k.sim.faults.dropWatches({ abrupt: true });
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Succeeded");
    expect((await k.ctx.runStore.get(run.id))?.result?.pullRequestUrl).toBe("https://github.com/o/r/pull/1");
    expect(await w.registry.metrics()).toMatch(/orchestrator_watch_restarts_total\{resource="\w+"\} [1-9]/);
  });

  it("reaches the right phase for every run after a restart while its Job changed state", async () => {
    const first = await k.start();
    const ok = await k.newRun();
    const oom = await k.newRun();
    // long enough that a loaded machine still sees them Running before the watcher is stopped
    scriptRun(k.sim, ok, {
      durationMs: 3000,
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/o/r/pull/2" }),
    });
    scriptRun(k.sim, oom, { durationMs: 3000, oomKilled: true });
    await dispatchRun(k.clients, k.ctx.runStore, ok);
    await dispatchRun(k.clients, k.ctx.runStore, oom);
    await expect.poll(() => k.phaseOf(ok.id), { timeout: 15_000 }).toBe("Running");
    await first.stop();
    k.forgetWatchers();
    // both Jobs finish while no watcher runs
    const finished = (name: string) =>
      k.sim.objects.get("jobs.batch", "default", name)?.status as
        | { conditions?: { type: string }[] }
        | undefined;
    await expect
      .poll(
        () =>
          [ok, oom].every((r) =>
            finished(runObjectNames(r).job)?.conditions?.some(
              (c) => c.type === "Complete" || c.type === "Failed",
            ),
          ),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    expect(await k.phaseOf(ok.id)).toBe("Running");

    await k.start();
    await expect.poll(() => k.phaseOf(ok.id), { timeout: 15_000 }).toBe("Succeeded");
    await expect.poll(() => k.phaseOf(oom.id), { timeout: 15_000 }).toBe("Failed");
    expect((await k.ctx.runStore.get(ok.id))?.result?.pullRequestUrl).toBe("https://github.com/o/r/pull/2");
    expect((await k.ctx.runStore.get(oom.id))?.message).toContain("OOMKilled");
  });
});
