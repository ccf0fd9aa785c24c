import { CODE_RUN, CRD_GROUP, CRD_VERSION, LABELS, runObjectNames } from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { startFakeGithub } from "./fake-github.js";
import { codeRequest, githubSource } from "./fixtures/runs.js";
import { dispatchRun, scriptRun } from "./kube-harness.js";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const k = useKubeWatcherContext("wc");

describe("watcher on Kubernetes: kubectl-applied resources, garbage collection, GitHub", () => {
  it("feeds a CodeRun applied with kubectl into the pipeline, and cancels its run when it is deleted", async () => {
    const w = await k.start();
    const ref = { group: CRD_GROUP, version: CRD_VERSION, namespace: "default", plural: CODE_RUN.plural };
    const created = (await k.clients.custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
        kind: "CodeRun",
        metadata: { name: "trader-task-3" },
        spec: {
          taskId: 3,
          service: "trader",
          repositoryUrl: "git@github.com:5dlabs/trader.git",
          docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
          githubUser: "swe-1-5dlabs",
          model: "claude-sonnet-4-20250514",
          localTools: "filesystem,git",
        },
      },
    })) as { metadata: { uid: string } };
    const run = await expect
      .poll(async () => k.ctx.runStore.findByIdempotencyKey(`kubernetes:${created.metadata.uid}`), {
        timeout: 5000,
      })
      .toBeDefined()
      .then(() => k.ctx.runStore.findByIdempotencyKey(`kubernetes:${created.metadata.uid}`));
    expect(run).toMatchObject({
      kind: "code",
      runtime: "kubernetes",
      request: {
        source: { type: "kubernetes", name: "trader-task-3" },
        localTools: ["filesystem", "git"],
        taskId: 3,
      },
      links: { customResource: "trader-task-3" },
    });
    await expect.poll(async () => (await w.queues.render.getJob(run!.id))?.data).toEqual({ runId: run!.id });
    await expect
      .poll(
        () =>
          k.sim.objects.get(`coderuns.${CRD_GROUP}`, "default", "trader-task-3")?.metadata.labels?.[
            LABELS.runId
          ],
      )
      .toBe(run!.id);
    await expect
      .poll(
        () =>
          (
            k.sim.objects.get(`coderuns.${CRD_GROUP}`, "default", "trader-task-3")?.status as
              | { runId?: string }
              | undefined
          )?.runId,
      )
      .toBe(run!.id);

    // the dispatcher takes it from there, using the applied CR as the owner
    const adopted = (await k.ctx.runStore.get(run!.id))!;
    scriptRun(k.sim, adopted, { hang: true });
    await dispatchRun(k.clients, k.ctx.runStore, adopted);
    await expect.poll(() => k.phaseOf(run!.id), { timeout: 5000 }).toBe("Running");
    await k.clients.custom.deleteNamespacedCustomObject({ ...ref, name: "trader-task-3" });
    await expect.poll(() => k.phaseOf(run!.id), { timeout: 5000 }).toBe("Cancelled");
    expect((await k.ctx.runStore.get(run!.id))?.cancelRequestedAt).toBeDefined();
    expect(await w.queues.control.getJob(`cancel-${run!.id}`)).toBeDefined();
  });

  it("rejects a kubectl-applied CR with an invalid spec in its status, creating no run", async () => {
    await k.start();
    const ref = { group: CRD_GROUP, version: CRD_VERSION, namespace: "default", plural: CODE_RUN.plural };
    await k.clients.custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
        kind: "CodeRun",
        metadata: { name: "bad-tools" },
        spec: {
          taskId: 1,
          service: "trader",
          repositoryUrl: "git@github.com:5dlabs/trader.git",
          docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
          githubUser: "swe-1-5dlabs",
          model: "claude-sonnet-4-20250514",
          // passes the schema patterns; only the CRD's CEL rule (not evaluated everywhere) and the watcher catch it
          workingDirectory: "trader/../../etc",
        },
      },
    });
    await expect
      .poll(
        () =>
          (
            k.sim.objects.get(`coderuns.${CRD_GROUP}`, "default", "bad-tools")?.status as
              | { phase?: string }
              | undefined
          )?.phase,
        {
          timeout: 5000,
        },
      )
      .toBe("Failed");
    expect((await k.ctx.runStore.list()).runs).toHaveLength(0);
  });

  it("deletes Jobs whose run record is gone", async () => {
    const w = await k.start();
    const kept = await k.newRun();
    const orphan = await k.newRun();
    scriptRun(k.sim, kept, { hang: true });
    scriptRun(k.sim, orphan, { hang: true });
    await dispatchRun(k.clients, k.ctx.runStore, kept);
    await dispatchRun(k.clients, k.ctx.runStore, orphan);
    await expect.poll(() => k.phaseOf(orphan.id), { timeout: 5000 }).toBe("Running");
    await k.ctx.redis.del(`${k.ctx.prefix}:run:${orphan.id}`);
    const report = await w.watcher.collectGarbage();
    expect(report.deletedJobs).toEqual([runObjectNames(orphan).job]);
    expect(await w.registry.metrics()).toContain(
      'orchestrator_gc_deleted_total{resource="job",reason="run-gone"} 1',
    );
    expect(k.sim.objects.get("jobs.batch", "default", runObjectNames(kept).job)).toBeDefined();
  });

  it("comments on the GitHub issue of a run followed on Kubernetes", async () => {
    const github = await startFakeGithub();
    try {
      await k.start({ githubUrl: github.url });
      const run = await k.newRun(codeRequest({ source: githubSource(31) }));
      scriptRun(k.sim, run, {
        durationMs: 50,
        terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/5dlabs/trader/pull/77" }),
      });
      await dispatchRun(k.clients, k.ctx.runStore, run);
      await expect
        .poll(() => [...github.comments.values()][0]?.body ?? "", { timeout: 5000 })
        .toContain("https://github.com/5dlabs/trader/pull/77");
      expect(github.comments.size).toBe(1);
      expect([...github.comments.values()][0]).toMatchObject({ repository: "5dlabs/trader", issue: 31 });
    } finally {
      await github.stop();
    }
  });
});
