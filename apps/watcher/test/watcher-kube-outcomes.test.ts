import { runObjectNames, runSelector } from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { startFakeGithub } from "./fake-github.js";
import { codeRequest, githubSource } from "./fixtures/runs.js";
import { dispatchRun, readCustomResource, scriptRun } from "./kube-harness.js";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const k = useKubeWatcherContext("wo");

const jobFinished = (name: string) =>
  (
    k.sim.objects.get("jobs.batch", "default", name)?.status as
      | { conditions?: { type: string }[] }
      | undefined
  )?.conditions?.some((c) => c.type === "Complete" || c.type === "Failed") ?? false;

describe("watcher on Kubernetes: outcomes of runs whose Job is gone, and what gets published", () => {
  it("recovers the result of a run whose Job was removed while the watcher was down, from the pod that outlived it", async () => {
    const first = await k.start();
    const run = await k.newRun(codeRequest({ maxRetries: 1 }));
    scriptRun(k.sim, run, {
      durationMs: 3000,
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/5dlabs/trader/pull/8" }),
    });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Running");
    await first.stop();
    k.forgetWatchers();
    const job = runObjectNames(run).job;
    await expect.poll(() => jobFinished(job), { timeout: 15_000 }).toBe(true);
    await k.clients.batch.deleteNamespacedJob({
      name: job,
      namespace: "default",
      propagationPolicy: "Orphan",
    });

    await k.start();
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Succeeded");
    expect((await k.ctx.runStore.get(run.id))?.result?.pullRequestUrl).toBe(
      "https://github.com/5dlabs/trader/pull/8",
    );
  });

  it("fails a run whose Job and pod vanished unseen as outcome unknown, and does not retry it", async () => {
    const first = await k.start();
    const run = await k.newRun(codeRequest({ maxRetries: 2 }));
    scriptRun(k.sim, run, { durationMs: 3000, terminationMessage: JSON.stringify({ outcome: "succeeded" }) });
    await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Running");
    await first.stop();
    k.forgetWatchers();
    // what JOB_TTL_SECONDS does while the watcher is down: the finished Job goes, its pod with it
    const job = runObjectNames(run).job;
    await expect.poll(() => jobFinished(job), { timeout: 15_000 }).toBe(true);
    await k.clients.batch.deleteNamespacedJob({
      name: job,
      namespace: "default",
      propagationPolicy: "Background",
    });
    await expect
      .poll(
        async () =>
          (
            await k.clients.core.listNamespacedPod({
              namespace: "default",
              labelSelector: runSelector(run.id),
            })
          ).items.length,
        { timeout: 15_000 },
      )
      .toBe(0);

    const w = await k.start();
    await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
    const failed = (await k.ctx.runStore.get(run.id))!;
    expect(failed.message).toBe(
      `outcome unknown: Job ${job} was removed before its result was recorded (JOB_TTL_SECONDS too short or the watcher was down)`,
    );
    await expect.poll(() => readCustomResource(k.sim, run)?.status?.message).toBe(failed.message);
    await w.watcher.kube!.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await k.ctx.runStore.get(run.id))?.retriedBy).toBeUndefined();
    expect((await k.ctx.runStore.list()).runs).toHaveLength(1);
  });

  it("keeps the agent's log lines out of the run message, the CR status and the GitHub comment, redacted in the run record", async () => {
    const github = await startFakeGithub();
    try {
      await k.start({ githubUrl: github.url });
      const run = await k.newRun(codeRequest({ source: githubSource(40) }));
      // no result file: FallbackToLogsOnError makes the log tail the termination message
      scriptRun(k.sim, run, {
        exitCode: 1,
        durationMs: 60,
        logs: [
          "cloning https://x-access-token:ghs_0123456789abcdefghij@github.com/5dlabs/trader",
          "fatal: push with ghp_0123456789abcdefghijklmn was rejected",
        ],
      });
      await dispatchRun(k.clients, k.ctx.runStore, run);
      await expect.poll(() => k.phaseOf(run.id), { timeout: 15_000 }).toBe("Failed");
      const failed = (await k.ctx.runStore.get(run.id))!;
      expect(failed.message).toBe("agent exited with code 1");
      expect(failed.logTail).toContain("fatal: push with [REDACTED] was rejected");
      expect(failed.logTail).not.toMatch(/ghs_|ghp_/);
      await expect
        .poll(() => readCustomResource(k.sim, run)?.status?.message)
        .toBe("agent exited with code 1");
      await expect
        .poll(() => [...github.comments.values()][0]?.body ?? "", { timeout: 15_000 })
        .toContain("❌ Failed");
      const comment = [...github.comments.values()][0]!.body;
      expect(comment).toContain("agent exited with code 1");
      expect(comment).not.toMatch(/fatal|cloning|ghs_|ghp_|REDACTED/);
    } finally {
      await github.stop();
    }
  });
});
