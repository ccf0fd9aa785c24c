import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
const ns = "sel";

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", ns] });
  core = sim.kubeConfig().makeApiClient(CoreV1Api);
  const objects: [string, Record<string, string>][] = [
    ["a", { app: "web", tier: "front" }],
    ["b", { app: "web", tier: "back" }],
    ["c", { app: "db" }],
    ["d", {}],
  ];
  for (const [name, labels] of objects) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
  }
});
afterAll(() => sim.stop());

async function names(labelSelector?: string, fieldSelector?: string): Promise<string[]> {
  const list = await core.listNamespacedConfigMap({
    namespace: ns,
    ...(labelSelector !== undefined ? { labelSelector } : {}),
    ...(fieldSelector !== undefined ? { fieldSelector } : {}),
  });
  return list.items.map((i) => i.metadata?.name ?? "");
}

describe("label selectors", () => {
  it.each([
    ["app=web", ["a", "b"]],
    ["app==web", ["a", "b"]],
    ["app!=web", ["c", "d"]],
    ["app in (web,db)", ["a", "b", "c"]],
    ["app notin (web)", ["c", "d"]],
    ["tier", ["a", "b"]],
    ["!tier", ["c", "d"]],
    ["app=web,tier=back", ["b"]],
    ["app in (web),!tier", []],
  ])("%s", async (selector, expected) => {
    expect(await names(selector)).toEqual(expected);
  });

  it("rejects malformed selectors with 400", async () => {
    expect((await apiError(names("app in web"))).code).toBe(400);
  });
});

describe("field selectors", () => {
  it("metadata.name and metadata.namespace", async () => {
    expect(await names(undefined, "metadata.name=c")).toEqual(["c"]);
    expect(await names(undefined, "metadata.name!=c")).toEqual(["a", "b", "d"]);
    const all = await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
    expect(all.items).toHaveLength(4);
  });

  it("status.phase for pods; unsupported fields answer 400", async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "runner", annotations: { "kube-sim/outcome": '{"hang":true}' } },
        spec: { containers: [{ name: "c", image: "i" }] },
      },
    });
    await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace: ns, fieldSelector: "status.phase=Running" })).items
          .length === 1,
      "running pod",
    );
    const notRunning = await core.listNamespacedPod({
      namespace: ns,
      fieldSelector: "status.phase!=Running",
    });
    expect(notRunning.items).toHaveLength(0);
    const { code, status } = await apiError(
      core.listNamespacedPod({ namespace: ns, fieldSelector: "spec.bogus=1" }),
    );
    expect(code).toBe(400);
    expect(status.message).toBe("field label not supported: spec.bogus");
  });

  it("involvedObject.* for events", async () => {
    await waitFor(async () => {
      const evs = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: "involvedObject.kind=Pod,involvedObject.name=runner,reason=Started",
      });
      return evs.items.length === 1;
    }, "Started event");
  });
});

describe("paging", () => {
  it("limit/continue walks the list with a stable list resourceVersion", async () => {
    const first = await core.listNamespacedConfigMap({ namespace: ns, limit: 3 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(["a", "b", "c"]);
    expect(first.metadata?._continue).toBeTruthy();
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await core.listNamespacedConfigMap({
      namespace: ns,
      limit: 3,
      _continue: first.metadata?._continue ?? "",
    });
    expect(second.items.map((i) => i.metadata?.name)).toEqual(["d"]);
    expect(second.metadata?._continue).toBeUndefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect((await apiError(core.listNamespacedConfigMap({ namespace: ns, _continue: "garbage" }))).code).toBe(
      400,
    );
  });
});
