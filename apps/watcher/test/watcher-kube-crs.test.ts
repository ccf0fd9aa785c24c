import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import {
  ANNOTATIONS,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  LABELS,
  MANAGED_BY,
  type RunResource,
  runIdLabelValue,
  runObjectNames,
} from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { startFakeGithub } from "./fake-github.js";
import { codeRequest, githubSource } from "./fixtures/runs.js";
import { dispatchRun, scriptRun } from "./kube-harness.js";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const k = useKubeWatcherContext("wc");
const codeRuns = { group: CRD_GROUP, version: CRD_VERSION, namespace: "default", plural: CODE_RUN.plural };
const codeRun = (name: string) =>
  k.sim.objects.get(`coderuns.${CRD_GROUP}`, "default", name) as RunResource | undefined;

async function applyCodeRun(name: string, spec: Record<string, unknown> = {}): Promise<RunRecord> {
  const created = (await k.clients.custom.createNamespacedCustomObject({
    ...codeRuns,
    body: {
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: "CodeRun",
      metadata: { name },
      spec: {
        taskId: 4,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        githubUser: "swe-1-5dlabs",
        model: "claude-sonnet-4-20250514",
        ...spec,
      },
    },
  })) as { metadata: { uid: string } };
  const key = `kubernetes:${created.metadata.uid}`;
  await expect.poll(() => k.ctx.runStore.findByIdempotencyKey(key), { timeout: 15_000 }).toBeDefined();
  return (await k.ctx.runStore.findByIdempotencyKey(key))!;
}

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
        timeout: 15_000,
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
    // the object stays the user's: never labelled as managed by the dispatcher (whose CRs are collected)
    expect(codeRun("trader-task-3")?.metadata.labels?.[LABELS.managedBy]).toBeUndefined();

    // the dispatcher takes it from there, using the applied CR as the owner
    const adopted = (await k.ctx.runStore.get(run!.id))!;
    scriptRun(k.sim, adopted, { hang: true });
    await dispatchRun(k.clients, k.ctx.runStore, adopted);
    await expect.poll(() => k.phaseOf(run!.id), { timeout: 15_000 }).toBe("Running");
    await k.clients.custom.deleteNamespacedCustomObject({ ...ref, name: "trader-task-3" });
    await expect.poll(() => k.phaseOf(run!.id), { timeout: 15_000 }).toBe("Cancelled");
    expect((await k.ctx.runStore.get(run!.id))?.cancelRequestedAt).toBeDefined();
    await expect.poll(async () => w.queues.control.getJob(`cancel-${run!.id}`)).toBeDefined();
  });

  it("moves a kubectl-applied CodeRun to its automatic retry: its status follows the retry, and deleting it cancels the retry", async () => {
    const w = await k.start();
    const first = await applyCodeRun("trader-task-4", { maxRetries: 1 });
    scriptRun(k.sim, first, { oomKilled: true, durationMs: 20 });
    await dispatchRun(k.clients, k.ctx.runStore, (await k.ctx.runStore.get(first.id))!);
    await expect.poll(() => k.phaseOf(first.id), { timeout: 15_000 }).toBe("Failed");
    await expect
      .poll(async () => (await k.ctx.runStore.get(first.id))?.retriedBy, { timeout: 15_000 })
      .toBeDefined();
    const retry = (await k.ctx.runStore.get((await k.ctx.runStore.get(first.id))!.retriedBy!))!;
    expect(retry).toMatchObject({
      attempt: 2,
      request: { source: { type: "kubernetes", name: "trader-task-4" } },
    });

    // the CR now names attempt 2
    await expect
      .poll(() => codeRun("trader-task-4")?.metadata.labels?.[LABELS.runId], { timeout: 15_000 })
      .toBe(runIdLabelValue(retry.id));
    expect(codeRun("trader-task-4")?.metadata.annotations?.[ANNOTATIONS.runId]).toBe(retry.id);
    await expect.poll(() => codeRun("trader-task-4")?.status?.runId).toBe(retry.id);

    scriptRun(k.sim, retry, { hang: true });
    await dispatchRun(k.clients, k.ctx.runStore, retry);
    await expect.poll(() => k.phaseOf(retry.id), { timeout: 15_000 }).toBe("Running");
    await expect.poll(() => codeRun("trader-task-4")?.status?.phase, { timeout: 15_000 }).toBe("Running");
    // every run looked at again (as after a restart): attempt 1 does not take the status back
    await w.watcher.kube!.resync({ full: true });
    await w.watcher.kube!.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await w.watcher.kube!.idle();
    expect(codeRun("trader-task-4")?.status).toMatchObject({
      phase: "Running",
      runId: retry.id,
      retryCount: 1,
    });

    await k.clients.custom.deleteNamespacedCustomObject({ ...codeRuns, name: "trader-task-4" });
    await expect.poll(() => k.phaseOf(retry.id), { timeout: 15_000 }).toBe("Cancelled");
    await expect.poll(async () => w.queues.control.getJob(`cancel-${retry.id}`)).toBeDefined();
    expect(await k.phaseOf(first.id)).toBe("Failed");
  });

  it("removes the dispatcher's CRs (and their ConfigMaps) of runs that are over, never one applied with kubectl", async () => {
    const w = await k.start({ settings: { retentionMs: 300 } });
    const gone = await k.newRun();
    const finished = await k.newRun();
    const live = await k.newRun();
    scriptRun(k.sim, gone, { hang: true });
    scriptRun(k.sim, finished, { durationMs: 20 });
    scriptRun(k.sim, live, { hang: true });
    for (const run of [gone, finished, live]) await dispatchRun(k.clients, k.ctx.runStore, run);
    await expect.poll(() => k.phaseOf(finished.id), { timeout: 15_000 }).toBe("Succeeded");
    await expect.poll(() => k.phaseOf(gone.id), { timeout: 15_000 }).toBe("Running");
    await expect.poll(() => k.phaseOf(live.id), { timeout: 15_000 }).toBe("Running");
    // a CR applied with kubectl, labelled as if the dispatcher managed it, whose run record expired
    const byHand = await applyCodeRun("by-hand");
    await k.clients.custom.patchNamespacedCustomObject(
      { ...codeRuns, name: "by-hand", body: { metadata: { labels: { [LABELS.managedBy]: MANAGED_BY } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await expect.poll(() => codeRun("by-hand")?.metadata.labels?.[LABELS.managedBy]).toBe(MANAGED_BY);
    for (const run of [gone, byHand]) await k.ctx.redis.del(`${k.ctx.prefix}:run:${run.id}`);
    await new Promise((resolve) => setTimeout(resolve, 400)); // RUN_RETENTION passes for the finished run

    const report = await w.watcher.collectGarbage();
    const name = (run: RunRecord) => runObjectNames(run).customResource;
    expect(report.deletedCustomResources.sort()).toEqual(
      [`CodeRun/${name(gone)}`, `CodeRun/${name(finished)}`].sort(),
    );
    const metrics = await w.registry.metrics();
    expect(metrics).toContain('orchestrator_gc_deleted_total{resource="coderun",reason="run-gone"} 1');
    expect(metrics).toContain('orchestrator_gc_deleted_total{resource="coderun",reason="run-expired"} 1');
    const configMap = (run: RunRecord) =>
      k.sim.objects.get("configmaps", "default", runObjectNames(run).configMap);
    await expect
      .poll(() => [gone, finished].map((r) => Boolean(codeRun(name(r)) ?? configMap(r))), { timeout: 15_000 })
      .toEqual([false, false]);
    expect(codeRun(name(live))).toBeDefined();
    expect(configMap(live)).toBeDefined();
    expect(codeRun("by-hand")).toBeDefined();
  });

  it("rejects a kubectl-applied CR with an invalid spec in its status, creating no run", async () => {
    await k.start();
    const ref = { group: CRD_GROUP, version: CRD_VERSION, namespace: "default", plural: CODE_RUN.plural };
    // kube-sim evaluates the CRD's CEL rules like a real server; this CR stands for one that got past them
    // (a cluster with CEL validation off / an older API server), so the watcher's own check is what is tested.
    k.sim.setCelValidation(false);
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
          // passes the schema patterns; only the CRD's CEL rule and the watcher catch it
          workingDirectory: "trader/../../etc",
        },
      },
    });
    k.sim.setCelValidation(true);
    await expect
      .poll(
        () =>
          (
            k.sim.objects.get(`coderuns.${CRD_GROUP}`, "default", "bad-tools")?.status as
              | { phase?: string }
              | undefined
          )?.phase,
        {
          timeout: 15_000,
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
    await expect.poll(() => k.phaseOf(orphan.id), { timeout: 15_000 }).toBe("Running");
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
        .poll(() => [...github.comments.values()][0]?.body ?? "", { timeout: 15_000 })
        .toContain("https://github.com/5dlabs/trader/pull/77");
      expect(github.comments.size).toBe(1);
      expect([...github.comments.values()][0]).toMatchObject({ repository: "5dlabs/trader", issue: 31 });
    } finally {
      await github.stop();
    }
  });
});
