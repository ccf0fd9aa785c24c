import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", "crud"] });
  kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(() => sim.stop());

describe("core/v1 CRUD through client-node", () => {
  it("namespaces: create, get, list, delete (Terminating, then gone with its content)", async () => {
    const ns = await core.createNamespace({ body: { metadata: { name: "scratch" } } });
    expect(ns.status?.phase).toBe("Active");
    expect(ns.metadata?.labels?.["kubernetes.io/metadata.name"]).toBe("scratch");
    const listed = await core.listNamespace();
    expect(listed.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(["default", "crud", "scratch"]),
    );
    await core.createNamespacedConfigMap({ namespace: "scratch", body: { metadata: { name: "inside" } } });
    const deleting = await core.deleteNamespace({ name: "scratch" });
    expect((deleting as { status?: { phase?: string } }).status?.phase).toBe("Terminating");
    const err = await apiError(
      core.createNamespacedConfigMap({ namespace: "scratch", body: { metadata: { name: "late" } } }),
    );
    expect([403, 404]).toContain(err.code);
    await waitFor(
      async () => (await apiError(core.readNamespace({ name: "scratch" }))).code === 404,
      "namespace removal",
    );
    expect(sim.objects.list("configmaps", "scratch")).toHaveLength(0);
  });

  it("configmaps: create/get/list/replace/delete with server-set metadata", async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: "crud",
      body: { metadata: { name: "cm1", labels: { app: "x" } }, data: { a: "1" } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.namespace).toBe("crud");

    const got = await core.readNamespacedConfigMap({ name: "cm1", namespace: "crud" });
    expect(got.data).toEqual({ a: "1" });

    got.data = { a: "2" };
    const replaced = await core.replaceNamespacedConfigMap({ name: "cm1", namespace: "crud", body: got });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    const list = await core.listNamespacedConfigMap({ namespace: "crud" });
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(list.items.map((c) => c.metadata?.name)).toContain("cm1");

    const status = await core.deleteNamespacedConfigMap({ name: "cm1", namespace: "crud" });
    expect(status.status).toBe("Success");
    expect((await apiError(core.readNamespacedConfigMap({ name: "cm1", namespace: "crud" }))).code).toBe(404);
  });

  it("generateName produces <prefix><5 chars>", async () => {
    const a = await core.createNamespacedConfigMap({
      namespace: "crud",
      body: { metadata: { generateName: "run-" } },
    });
    const b = await core.createNamespacedConfigMap({
      namespace: "crud",
      body: { metadata: { generateName: "run-" } },
    });
    expect(a.metadata?.name).toMatch(/^run-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata?.name).not.toBe(b.metadata?.name);
  });

  it("secrets: stringData is folded into base64 data, type defaults to Opaque", async () => {
    const s = await core.createNamespacedSecret({
      namespace: "crud",
      body: {
        metadata: { name: "s1" },
        stringData: { token: "abc" },
        data: { other: Buffer.from("x").toString("base64") },
      },
    });
    expect(s.type).toBe("Opaque");
    expect(s.stringData).toBeUndefined();
    expect(Buffer.from(s.data?.["token"] ?? "", "base64").toString()).toBe("abc");
    const bad = await apiError(
      core.createNamespacedSecret({
        namespace: "crud",
        body: { metadata: { name: "s2" }, data: { k: "***" } },
      }),
    );
    expect(bad.code).toBe(400);
  });

  it("persistentvolumeclaims: defaulted, protected by a finalizer and bound", async () => {
    const pvc = await core.createNamespacedPersistentVolumeClaim({
      namespace: "crud",
      body: {
        metadata: { name: "ws" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    });
    expect(pvc.status?.phase).toBe("Pending");
    expect(pvc.metadata?.finalizers).toContain("kubernetes.io/pvc-protection");
    const bound = await waitFor(async () => {
      const p = await core.readNamespacedPersistentVolumeClaim({ name: "ws", namespace: "crud" });
      return p.status?.phase === "Bound" ? p : undefined;
    }, "PVC bound");
    expect(bound.status?.capacity?.["storage"]).toBe("1Gi");
    expect(bound.spec?.volumeName).toMatch(/^pvc-/);
    await core.deleteNamespacedPersistentVolumeClaim({ name: "ws", namespace: "crud" });
    await waitFor(
      async () =>
        (await apiError(core.readNamespacedPersistentVolumeClaim({ name: "ws", namespace: "crud" }))).code ===
        404,
      "PVC gone",
    );
  });

  it("pods: created Pending with defaults, scheduled and run by the kubelet; deletion is graceful", async () => {
    const pod = await core.createNamespacedPod({
      namespace: "crud",
      body: {
        metadata: { name: "p1", annotations: { "kube-sim/outcome": '{"hang":true}' } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    });
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.spec?.restartPolicy).toBe("Always");
    expect(pod.spec?.containers[0]?.imagePullPolicy).toBe("Always");
    expect(pod.status?.qosClass).toBe("BestEffort");
    const running = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: "p1", namespace: "crud" });
      return p.status?.phase === "Running" ? p : undefined;
    }, "pod running");
    expect(running.spec?.nodeName).toBe("kube-sim-node");
    expect(running.status?.containerStatuses?.[0]?.ready).toBe(true);
    const deleted = await core.deleteNamespacedPod({ name: "p1", namespace: "crud" });
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(30);
    await waitFor(
      async () => (await apiError(core.readNamespacedPod({ name: "p1", namespace: "crud" }))).code === 404,
      "pod gone",
    );
  });

  it("events: create and list core/v1 events", async () => {
    await core.createNamespacedEvent({
      namespace: "crud",
      body: {
        metadata: { name: "ev1" },
        involvedObject: { kind: "Pod", name: "x", namespace: "crud" },
        reason: "Testing",
        message: "hello",
        type: "Normal",
      },
    });
    const list = await core.listNamespacedEvent({ namespace: "crud", fieldSelector: "reason=Testing" });
    expect(list.items.map((e) => e.message)).toEqual(["hello"]);
  });

  it("dryRun=All validates without persisting", async () => {
    const dry = await core.createNamespacedConfigMap({
      namespace: "crud",
      dryRun: "All",
      body: { metadata: { name: "dry" } },
    });
    expect(dry.metadata?.name).toBe("dry");
    expect((await apiError(core.readNamespacedConfigMap({ name: "dry", namespace: "crud" }))).code).toBe(404);
  });

  it("deletecollection with a label selector", async () => {
    for (const n of ["dc1", "dc2", "dc3"]) {
      await core.createNamespacedConfigMap({
        namespace: "crud",
        body: { metadata: { name: n, labels: { batch: n === "dc3" ? "b" : "a" } } },
      });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: "crud", labelSelector: "batch=a" });
    const left = await core.listNamespacedConfigMap({ namespace: "crud", labelSelector: "batch" });
    expect(left.items.map((c) => c.metadata?.name)).toEqual(["dc3"]);
  });
});
