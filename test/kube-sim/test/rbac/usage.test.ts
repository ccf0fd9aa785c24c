import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeSim, parseManifests } from "../../src/index.js";
import { apiError, startFastSim } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";

const job = {
  metadata: { name: "j" },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } },
};

describe("RBAC usage report", () => {
  let sim: KubeSim;

  beforeAll(async () => {
    sim = await startFastSim({ rbacManifests: parseManifests(WORKER_MANIFESTS) });
  });
  afterAll(() => sim.stop());

  it("records who did what, and lists the grants a ServiceAccount never used", async () => {
    const kc = sim.kubeConfig({ serviceAccount: "apps/worker" });
    const core = kc.makeApiClient(CoreV1Api);
    await core.listNamespacedPod({ namespace: "apps" });
    await kc.makeApiClient(BatchV1Api).createNamespacedJob({ namespace: "apps", body: job });
    await apiError(core.listNamespacedSecret({ namespace: "apps" }));

    const usage = sim.rbac.usage({ serviceAccount: "apps/worker" });
    expect(usage).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          verb: "list",
          resource: "pods",
          namespace: "apps",
          allowed: true,
          count: 1,
        }),
        expect.objectContaining({ verb: "create", apiGroup: "batch", resource: "jobs", allowed: true }),
        expect.objectContaining({ verb: "list", resource: "secrets", allowed: false }),
      ]),
    );

    const unused = sim.rbac.unusedGrants({ serviceAccount: "apps/worker" }).map((g) => g.description);
    expect(unused.sort()).toEqual(
      [
        "get pods in apps",
        "get pods/log in apps",
        "list pods/log in apps",
        "watch pods in apps",
        "watch pods/log in apps",
        "delete jobs.batch in apps",
        "get configmaps named settings in apps",
      ].sort(),
    );
  });

  it("reports nothing once every granted verb was exercised (a wildcard-free least-privilege Role)", async () => {
    const kc = sim.kubeConfig({ serviceAccount: "apps/worker" });
    const core = kc.makeApiClient(CoreV1Api);
    sim.rbac.apply(parseManifests(WORKER_MANIFESTS.replace("verbs: [get, list, watch]", "verbs: [list]")));
    await core.readNamespacedConfigMap({ namespace: "apps", name: "settings" }).catch(() => undefined);
    await kc.makeApiClient(BatchV1Api).deleteNamespacedJob({ namespace: "apps", name: "j" });
    await core.readNamespacedPodLog({ namespace: "apps", name: "nope" }).catch(() => undefined);
    expect(sim.rbac.unusedGrants({ serviceAccount: "apps/worker" }).map((g) => g.description)).toEqual([
      "list pods/log in apps",
    ]);
  });
});
