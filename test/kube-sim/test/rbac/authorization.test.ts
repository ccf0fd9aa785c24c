import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchV1Api, CoreV1Api, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../../src/index.js";
import { apiError, startFastSim, waitFor } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";

const job = (name: string) => ({
  metadata: { name },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
});

describe("RBAC authorization through @kubernetes/client-node", () => {
  let sim: KubeSim;
  let worker: CoreV1Api;
  let admin: CoreV1Api;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sim-rbac-"));
    await writeFile(join(dir, "worker.yaml"), WORKER_MANIFESTS);
    sim = await startFastSim({ rbacManifests: [dir] });
    worker = sim.kubeConfig({ serviceAccount: "apps/worker" }).makeApiClient(CoreV1Api);
    admin = sim.kubeConfig().makeApiClient(CoreV1Api);
    await admin.createNamespacedConfigMap({ namespace: "apps", body: { metadata: { name: "settings" } } });
    await admin.createNamespacedConfigMap({ namespace: "apps", body: { metadata: { name: "secret-ish" } } });
  });
  afterAll(() => sim.stop());

  it("serves HTTPS with a CA the kubeconfig trusts", () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caPem).toContain("BEGIN CERTIFICATE");
  });

  it("allows what the Role grants and denies the rest with the API server's 403 Status", async () => {
    await expect(worker.listNamespacedPod({ namespace: "apps" })).resolves.toHaveProperty("items");
    const denied = await apiError(
      worker.createNamespacedPod({ namespace: "apps", body: { metadata: { name: "p" } } }),
    );
    expect(denied.code).toBe(403);
    expect(denied.status).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "Forbidden",
      code: 403,
      details: { kind: "pods" },
      message:
        'pods is forbidden: User "system:serviceaccount:apps:worker" cannot create resource "pods" in API group "" in the namespace "apps"',
    });
  });

  it("checks the API group, the namespace and the cluster scope", async () => {
    const batch = sim.kubeConfig({ serviceAccount: "apps/worker" }).makeApiClient(BatchV1Api);
    await expect(batch.createNamespacedJob({ namespace: "apps", body: job("j1") })).resolves.toBeTruthy();
    const otherNs = await apiError(batch.createNamespacedJob({ namespace: "default", body: job("j2") }));
    expect(otherNs.status.message).toBe(
      'jobs.batch is forbidden: User "system:serviceaccount:apps:worker" cannot create resource "jobs" in API group "batch" in the namespace "default"',
    );
    const update = await apiError(
      batch.replaceNamespacedJob({ namespace: "apps", name: "j1", body: job("j1") }),
    );
    expect(update.status.details).toMatchObject({ name: "j1", group: "batch", kind: "jobs" });
    const cluster = await apiError(worker.listNamespace());
    expect(cluster.status.message).toBe(
      'namespaces is forbidden: User "system:serviceaccount:apps:worker" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });

  it("matches resourceNames and subresources exactly", async () => {
    await expect(
      worker.readNamespacedConfigMap({ namespace: "apps", name: "settings" }),
    ).resolves.toBeTruthy();
    const other = await apiError(worker.readNamespacedConfigMap({ namespace: "apps", name: "secret-ish" }));
    expect(other.status.message).toContain('configmaps "secret-ish" is forbidden');
    // A rule naming resources cannot authorise a list (the request has no name).
    expect((await apiError(worker.listNamespacedConfigMap({ namespace: "apps" }))).code).toBe(403);
    // pods/log is granted, pods/status is not.
    const status = await apiError(worker.readNamespacedPodStatus({ namespace: "apps", name: "x" }));
    expect(status.status.message).toContain('cannot get resource "pods/status" in API group ""');
  });

  it("streams watches over HTTPS to a ServiceAccount allowed to watch, and refuses one that is not", async () => {
    const seen: string[] = [];
    const watch = new Watch(sim.kubeConfig({ serviceAccount: "apps/worker" }));
    const req = await watch.watch(
      "/api/v1/namespaces/apps/pods",
      {},
      (type, obj: { metadata: { name: string } }) => {
        seen.push(`${type} ${obj.metadata.name}`);
      },
      () => undefined,
    );
    await sim
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedPod({
        namespace: "apps",
        body: { metadata: { name: "watched" }, spec: { containers: [{ name: "c", image: "i" }] } },
      });
    await waitFor(() => seen.includes("ADDED watched"), "watch event", 15_000);
    req.abort();
    let denied: unknown;
    await new Watch(sim.kubeConfig({ serviceAccount: "apps/worker" }))
      .watch(
        "/api/v1/namespaces/apps/secrets",
        {},
        () => undefined,
        (err) => (denied = err),
      )
      .catch((err: unknown) => (denied = err));
    await waitFor(() => denied, "watch refusal", 15_000);
    expect(String(denied)).toContain("Forbidden");
  });

  it("treats missing credentials as system:anonymous and bad tokens as 401", async () => {
    const anon = sim.kubeConfig({ anonymous: true }).makeApiClient(CoreV1Api);
    const a = await apiError(anon.listNamespacedPod({ namespace: "apps" }));
    expect(a.code).toBe(403);
    expect(a.status.message).toContain('User "system:anonymous" cannot list resource "pods"');
    const kc = sim.kubeConfig();
    const user = kc.getCurrentUser();
    if (user) Object.assign(user, { token: "not-a-token" });
    const bad = await apiError(kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "apps" }));
    // client-node drops 401 bodies; the kubectl test checks the message.
    expect(bad.code).toBe(401);
  });

  it("rejects a ServiceAccount's token once the ServiceAccount is deleted", async () => {
    await admin.createNamespacedServiceAccount({ namespace: "apps", body: { metadata: { name: "temp" } } });
    const temp = sim.kubeConfig({ serviceAccount: "apps/temp" }).makeApiClient(CoreV1Api);
    expect((await apiError(temp.listNamespacedPod({ namespace: "apps" }))).code).toBe(403);
    await admin.deleteNamespacedServiceAccount({ namespace: "apps", name: "temp" });
    expect((await apiError(temp.listNamespacedPod({ namespace: "apps" }))).code).toBe(401);
  });
});
