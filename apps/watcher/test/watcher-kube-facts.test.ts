import { runObjectNames } from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { codeRequest } from "./fixtures/runs.js";
import { createRunObjects, dispatchRun, scriptRun } from "./kube-harness.js";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const k = useKubeWatcherContext("wf");

const jobFinished = (name: string) =>
  (
    k.sim.objects.get("jobs.batch", "default", name)?.status as
      | { conditions?: { type: string; status: string }[] }
      | undefined
  )?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True") ?? false;

describe("watcher on Kubernetes: decisions from facts, Jobs followed from the moment they exist", () => {
  it("retries an OOMKilled run whose Running phase it never saw (the agent ended while it was down)", async () => {
    const run = await k.newRun(codeRequest({ maxRetries: 1 }));
    scriptRun(k.sim, run, { oomKilled: true, durationMs: 20 });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    // no watcher yet: the pod starts, runs and is OOMKilled unobserved
    await expect.poll(() => jobFinished(runObjectNames(run).job), { timeout: 15_000 }).toBe(true);

    await k.start();
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
    const failed = await k.ctx.runStore.get(run.id);
    expect(failed?.timeline.map((t) => t.phase)).not.toContain("Running");
    expect(failed).toMatchObject({ failureReason: "OOMKilled", agentStarted: true });
    await expect
      .poll(async () => (await k.ctx.runStore.get(run.id))?.retriedBy, { timeout: 15_000 })
      .toBeDefined();
  });

  it("follows a Job whose dispatcher died before recording Dispatched, records it, and reports the outcome", async () => {
    const w = await k.start();
    const run = await k.newRun(codeRequest());
    await k.ctx.runStore.transition(run.id, "Rendering", "rendering templates");
    scriptRun(k.sim, run, {
      durationMs: 20,
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/5dlabs/trader/pull/9" }),
    });
    // what a dispatcher killed between creating the Job and recording Dispatched leaves behind
    await createRunObjects(k.clients, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Succeeded");
    const done = await k.ctx.runStore.get(run.id);
    expect(done?.timeline.map((t) => t.phase)).toContain("Dispatched");
    expect(done?.links.job).toBe(runObjectNames(run).job);
    expect(done?.result?.pullRequestUrl).toBe("https://github.com/5dlabs/trader/pull/9");
    // its slot is released like any other run's
    await expect.poll(async () => w.queues.control.getJob(`released-${run.id}`)).toBeDefined();
  });
});
