import { BatchV1Api, CustomObjectsApi, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../../src/index.js";
import { apiError, docsRunCrd, startFastSim } from "../helpers.js";
import { role, roleBinding, sa } from "./fixtures.js";

const GROUP = "orchestrator.platform";

describe("OwnerReferencesPermissionEnforcement under RBAC", () => {
  let sim: KubeSim;
  let uid: string;

  const jobOwnedBy = (name: string, block: boolean): V1Job => ({
    metadata: {
      name,
      ownerReferences: [
        {
          apiVersion: `${GROUP}/v1`,
          kind: "DocsRun",
          name: "run-1",
          uid,
          controller: true,
          blockOwnerDeletion: block,
        },
      ],
    },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } },
  });

  beforeAll(async () => {
    sim = await startFastSim({
      crds: [docsRunCrd()],
      rbacManifests: [
        sa("apps", "dispatcher"),
        role("apps", "dispatcher", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"] }]),
        roleBinding("apps", "dispatcher", "dispatcher", "dispatcher"),
      ],
    });
    const admin = sim.kubeConfig().makeApiClient(CustomObjectsApi);
    const run = (await admin.createNamespacedCustomObject({
      group: GROUP,
      version: "v1",
      namespace: "apps",
      plural: "docsruns",
      body: {
        apiVersion: `${GROUP}/v1`,
        kind: "DocsRun",
        metadata: { name: "run-1" },
        spec: { repositoryUrl: "https://x", githubUser: "u" },
      },
    })) as { metadata: { uid: string } };
    uid = run.metadata.uid;
  });
  afterAll(() => sim.stop());

  it("refuses blockOwnerDeletion without update on the owner's finalizers, allows it with", async () => {
    const batch = sim.kubeConfig({ serviceAccount: "apps/dispatcher" }).makeApiClient(BatchV1Api);
    await expect(
      batch.createNamespacedJob({ namespace: "apps", body: jobOwnedBy("plain", false) }),
    ).resolves.toBeTruthy();
    const err = await apiError(
      batch.createNamespacedJob({ namespace: "apps", body: jobOwnedBy("blocking", true) }),
    );
    expect(err.code).toBe(403);
    expect(err.status.message).toBe(
      'jobs.batch "blocking" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can\'t set finalizers on: , <nil>',
    );
    sim.rbac.apply([
      role("apps", "finalizers", [
        { apiGroups: [GROUP], resources: ["docsruns/finalizers"], verbs: ["update"] },
      ]),
      roleBinding("apps", "finalizers", "finalizers", "dispatcher"),
    ]);
    await expect(
      batch.createNamespacedJob({ namespace: "apps", body: jobOwnedBy("blocking", true) }),
    ).resolves.toBeTruthy();
    expect(sim.rbac.unusedGrants({ serviceAccount: "apps/dispatcher" })).toEqual([]);
  });
});
