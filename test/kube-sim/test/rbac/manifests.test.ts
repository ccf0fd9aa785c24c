import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { type KubeSim, parseManifests } from "../../src/index.js";
import { apiError, startFastSim } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";
import { HAVE_KUBECTL, KUBECTL } from "./kubectl.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: worker, namespace: apps }
spec:
  selector: { matchLabels: { app: worker } }
  template:
    metadata: { labels: { app: worker } }
    spec: { serviceAccountName: worker, containers: [{ name: w, image: worker }] }
`;

describe.skipIf(!HAVE_KUBECTL)("RBAC manifests from `kubectl kustomize`", () => {
  let sim: KubeSim | undefined;
  afterAll(() => sim?.stop());

  it("loads the RBAC kinds and ServiceAccounts of a kustomization, skipping kinds it does not serve", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sim-kustomize-"));
    await writeFile(join(dir, "rbac.yaml"), WORKER_MANIFESTS);
    await writeFile(join(dir, "deployment.yaml"), DEPLOYMENT);
    await writeFile(
      join(dir, "kustomization.yaml"),
      "resources: [rbac.yaml, deployment.yaml]\nnamePrefix: orch-\n",
    );
    const { stdout } = await promisify(execFile)(KUBECTL, ["kustomize", dir], { timeout: 60_000 });
    const objects = parseManifests(stdout);
    sim = await startFastSim({ rbac: true });
    const result = sim.rbac.apply(objects);
    expect(result.skipped).toEqual(["Deployment/apps/orch-worker"]);
    expect(result.applied).toContain("RoleBinding/apps/orch-worker");

    // kustomize renamed the ServiceAccount and the binding's subject together.
    const core = sim.kubeConfig({ serviceAccount: "apps/orch-worker" }).makeApiClient(CoreV1Api);
    await expect(core.listNamespacedPod({ namespace: "apps" })).resolves.toHaveProperty("items");
    expect((await apiError(core.listNamespacedSecret({ namespace: "apps" }))).code).toBe(403);
    expect(() => sim?.kubeConfig({ serviceAccount: "apps/worker" })).toThrow(
      'serviceaccount "apps/worker" does not exist',
    );
  });
});
