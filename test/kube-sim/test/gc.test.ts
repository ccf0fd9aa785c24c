import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1OwnerReference } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
const ns = "gc";
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", ns] });
  core = sim.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(() => sim.stop());

async function owner(name: string): Promise<V1OwnerReference> {
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
  return { apiVersion: "v1", kind: "ConfigMap", name, uid: cm.metadata?.uid ?? "", blockOwnerDeletion: true };
}

async function dependent(name: string, ref: V1OwnerReference, finalizers?: string[]): Promise<void> {
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name, ownerReferences: [ref], ...(finalizers ? { finalizers } : {}) } },
  });
}

const gone = async (read: () => Promise<unknown>) => (await apiError(read())).code === 404;
const secretGone = (name: string) => gone(() => core.readNamespacedSecret({ name, namespace: ns }));
const cmGone = (name: string) => gone(() => core.readNamespacedConfigMap({ name, namespace: ns }));

describe("finalizers", () => {
  it("an object with finalizers gets a deletionTimestamp and stays until they are removed", async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "fin", finalizers: ["example.com/hold"] } },
    });
    await core.deleteNamespacedConfigMap({ name: "fin", namespace: ns });
    const held = await core.readNamespacedConfigMap({ name: "fin", namespace: ns });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const added = await apiError(
      core.patchNamespacedConfigMap(
        {
          name: "fin",
          namespace: ns,
          body: { metadata: { finalizers: ["example.com/hold", "example.com/new"] } },
        },
        merge,
      ),
    );
    expect(added.code).toBe(422);
    await core.patchNamespacedConfigMap(
      { name: "fin", namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    expect(await cmGone("fin")).toBe(true);
  });
});

describe("owner-reference garbage collection", () => {
  it("Background: owner gone at once, dependents soon after", async () => {
    const ref = await owner("bg-owner");
    await dependent("bg-dep1", ref);
    await dependent("bg-dep2", ref);
    await core.deleteNamespacedConfigMap({
      name: "bg-owner",
      namespace: ns,
      propagationPolicy: "Background",
    });
    expect(await cmGone("bg-owner")).toBe(true);
    await waitFor(
      async () => (await secretGone("bg-dep1")) && (await secretGone("bg-dep2")),
      "dependents collected",
    );
  });

  it("Foreground: a dependent with another live owner survives and only loses the deleted owner's reference", async () => {
    const first = await owner("shared-owner-a");
    const second = await owner("shared-owner-b");
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "shared-dep", ownerReferences: [first, second] } },
    });
    await core.deleteNamespacedConfigMap({
      name: "shared-owner-a",
      namespace: ns,
      propagationPolicy: "Foreground",
    });
    await waitFor(() => cmGone("shared-owner-a"), "owner a gone");
    const dep = await core.readNamespacedSecret({ name: "shared-dep", namespace: ns });
    expect(dep.metadata?.deletionTimestamp).toBeUndefined();
    expect(dep.metadata?.ownerReferences?.map((r) => r.name)).toEqual(["shared-owner-b"]);
    await core.deleteNamespacedConfigMap({ name: "shared-owner-b", namespace: ns });
    await waitFor(() => secretGone("shared-dep"), "dependent collected once its last owner is gone");
  });

  it("Foreground: owner waits (foregroundDeletion finalizer) until blocking dependents are gone", async () => {
    const ref = await owner("fg-owner");
    await dependent("fg-dep", ref, ["example.com/slow"]);
    await core.deleteNamespacedConfigMap({
      name: "fg-owner",
      namespace: ns,
      propagationPolicy: "Foreground",
    });
    const deleting = await core.readNamespacedConfigMap({ name: "fg-owner", namespace: ns });
    expect(deleting.metadata?.finalizers).toContain("foregroundDeletion");
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await waitFor(
      async () =>
        (await core.readNamespacedSecret({ name: "fg-dep", namespace: ns })).metadata?.deletionTimestamp,
      "dependent being deleted",
    );
    expect(
      (await core.readNamespacedConfigMap({ name: "fg-owner", namespace: ns })).metadata?.finalizers,
    ).toEqual(["foregroundDeletion"]);
    await core.patchNamespacedSecret(
      { name: "fg-dep", namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    await waitFor(
      async () => (await secretGone("fg-dep")) && (await cmGone("fg-owner")),
      "owner gone after dependent",
    );
  });

  it("Orphan: dependents lose the owner reference and stay", async () => {
    const ref = await owner("or-owner");
    await dependent("or-dep", ref);
    await core.deleteNamespacedConfigMap({ name: "or-owner", namespace: ns, propagationPolicy: "Orphan" });
    await waitFor(() => cmGone("or-owner"), "owner gone");
    const dep = await core.readNamespacedSecret({ name: "or-dep", namespace: ns });
    expect(dep.metadata?.ownerReferences ?? []).toEqual([]);
  });

  it("dependents whose owner uid does not exist are collected; dangling refs next to live owners are dropped", async () => {
    await dependent("ghost-dep", {
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "ghost",
      uid: "00000000-0000-4000-8000-000000000000",
    });
    await waitFor(() => secretGone("ghost-dep"), "orphan collected");
    const live = await owner("live-owner");
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: {
          name: "half",
          ownerReferences: [
            live,
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              name: "ghost",
              uid: "11111111-1111-4111-8111-111111111111",
            },
          ],
        },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedSecret({ name: "half", namespace: ns })).metadata?.ownerReferences
          ?.length === 1,
      "dangling ref dropped",
    );
  });
});
