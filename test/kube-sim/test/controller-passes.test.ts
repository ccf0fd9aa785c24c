import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { KubeSim } from "../src/index.js";
import { Store } from "../src/store.js";
import { WorkQueue } from "../src/work-queue.js";
import { jobBody, startFastSim, waitFor } from "./helpers.js";

describe("WorkQueue", () => {
  it("hands out dirty ids and ids that fell due, sorted, once", () => {
    const q = new WorkQueue();
    q.add("ns/b");
    q.wakeAt("ns/a", 100);
    q.wakeAt("ns/c", 300);
    q.wakeAt("ns/c", 200); // the earliest request wins
    expect(q.take(50)).toEqual(["ns/b"]);
    expect(q.take(50)).toEqual([]);
    expect(q.take(100)).toEqual(["ns/a"]);
    expect(q.take(199)).toEqual([]);
    expect(q.take(250)).toEqual(["ns/c"]);
    expect(q.take(10_000)).toEqual([]);
    q.add("x");
    q.wakeAt("x", 1);
    q.forget("x");
    expect(q.take(10_000)).toEqual([]);
  });
});

describe("controller passes", () => {
  const ns = "passes";
  let sim: KubeSim;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  beforeAll(async () => {
    sim = await startFastSim({ namespaces: ["default", ns] });
    core = sim.kubeConfig().makeApiClient(CoreV1Api);
    batch = sim.kubeConfig().makeApiClient(BatchV1Api);
  });
  afterAll(() => sim.stop());

  it("a pass over a settled cluster lists no pods, Jobs or claims (work comes from store events)", async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: "work" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    });
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("long", { hang: true }, { activeDeadlineSeconds: 3600 }),
    });
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("short") });
    await waitFor(async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns })).items;
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: "work", namespace: ns });
      const short = await batch.readNamespacedJob({ name: "short", namespace: ns });
      return (
        pods.some((p) => p.status?.phase === "Running") &&
        claim.status?.phase === "Bound" &&
        short.status?.conditions?.some((c) => c.type === "Complete")
      );
    }, "running pod, bound claim, complete Job");

    const list = vi.spyOn(Store.prototype, "list");
    try {
      for (let i = 0; i < 5; i++) sim.tick();
      const listed = list.mock.calls.map(([key]) => key);
      expect(listed.filter((k) => ["pods", "jobs.batch", "persistentvolumeclaims"].includes(k))).toEqual([]);
    } finally {
      list.mockRestore();
    }
    // … and the running Job still ends when something changes: deleting it removes its pod.
    await batch.deleteNamespacedJob({ name: "long", namespace: ns, propagationPolicy: "Foreground" });
    await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace: ns })).items.every(
          (p) => !p.metadata?.name?.startsWith("long-"),
        ),
      "pod of the deleted Job gone",
      30_000,
    );
  });

  it("kubelet.finish ends a hanging pod with its scripted outcome, and only a running hanging one", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("held", { hang: true, exitCode: 0, terminationMessage: "done" }),
    });
    const pod = await waitFor(async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns })).items;
      return pods.find((p) => p.metadata?.name?.startsWith("held-") && p.status?.phase === "Running");
    }, "held pod running");
    const name = pod.metadata?.name ?? "";
    expect(sim.kubelet.finish(ns, "no-such-pod")).toBe(false);
    expect(sim.kubelet.finish(ns, name)).toBe(true);
    const job = await waitFor(async () => {
      const j = await batch.readNamespacedJob({ name: "held", namespace: ns });
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    }, "held Job complete");
    expect(job.status?.succeeded).toBe(1);
    const done = await core.readNamespacedPod({ name, namespace: ns });
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe("done");
    expect(sim.kubelet.finish(ns, name)).toBe(false);
  });

  it("sim.objects.watch reports the writes of one resource until unsubscribed", async () => {
    const seen: string[] = [];
    const stop = sim.objects.watch("configmaps", (type, obj) => seen.push(`${type} ${obj.metadata.name}`));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "w1" } } });
    await core.deleteNamespacedConfigMap({ name: "w1", namespace: ns });
    stop();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "w2" } } });
    expect(seen).toEqual(["ADDED w1", "DELETED w1"]);
  });
});
