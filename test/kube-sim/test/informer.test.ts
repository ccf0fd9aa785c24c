import { CoreV1Api, type KubeConfig, makeInformer, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  // Short server-side watch timeout and a tiny event window force rewatches and 410 relists.
  sim = await startFastSim({
    namespaces: ["default", "inf1", "inf2", "inf3"],
    watchTimeoutMs: 150,
    historySize: 4,
  });
  kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(() => sim.stop());

/** An informer plus what its handlers saw: last resourceVersion per name (deleted names removed). */
function trackedInformer(ns: string, opts: { restartOnError: () => boolean }) {
  const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace: ns }),
  );
  const seen = new Map<string, string>();
  const errors: unknown[] = [];
  const record = (cm: V1ConfigMap) => seen.set(cm.metadata?.name ?? "", cm.metadata?.resourceVersion ?? "");
  informer.on("add", record);
  informer.on("update", record);
  informer.on("delete", (cm) => seen.delete(cm.metadata?.name ?? ""));
  informer.on("error", (err) => {
    errors.push(err);
    // The usual client-node pattern: the informer stops on errors and is restarted by its owner.
    const retry = () => (opts.restartOnError() ? void informer.start() : setTimeout(retry, 20));
    setTimeout(retry, 20);
  });
  return { informer, seen, errors };
}

async function serverState(ns: string): Promise<Map<string, string>> {
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  return new Map(list.items.map((i) => [i.metadata?.name ?? "", i.metadata?.resourceVersion ?? ""]));
}

async function expectConverged(ns: string, t: ReturnType<typeof trackedInformer>): Promise<void> {
  await waitFor(async () => {
    const server = await serverState(ns);
    const cache = new Map(
      t.informer.list(ns).map((c) => [c.metadata?.name ?? "", c.metadata?.resourceVersion ?? ""]),
    );
    const same = (a: Map<string, string>) =>
      a.size === server.size && [...server].every(([k, v]) => a.get(k) === v);
    return same(t.seen) && same(cache);
  }, "informer handlers and cache to match the server");
}

async function churn(ns: string, prefix: string, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const name = `${prefix}-${i % 3}`;
    try {
      await core.patchNamespacedConfigMap({
        name,
        namespace: ns,
        body: [{ op: "replace", path: "/data", value: { i: String(i) } }],
      });
    } catch {
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name }, data: { i: String(i) } },
      });
    }
    if (i % 4 === 3) await core.deleteNamespacedConfigMap({ name, namespace: ns });
  }
}

describe("makeInformer against the simulator", () => {
  it("survives server-side watch timeouts (rewatches from its resourceVersion) without missing updates", async () => {
    const t = trackedInformer("inf1", { restartOnError: () => true });
    await t.informer.start();
    const watchesBefore = sim.requests.filter((r) => r.verb === "watch" && r.namespace === "inf1").length;
    for (let round = 0; round < 4; round++) {
      await churn("inf1", `r${round}`, 5);
      await new Promise((r) => setTimeout(r, 80));
    }
    await expectConverged("inf1", t);
    const watches = sim.requests.filter((r) => r.verb === "watch" && r.namespace === "inf1");
    expect(watches.length).toBeGreaterThan(watchesBefore + 1);
    expect(watches.slice(1).every((w) => w.query["resourceVersion"] !== "")).toBe(true);
    await t.informer.stop();
  });

  it("survives dropped connections (graceful end and abrupt reset)", async () => {
    const t = trackedInformer("inf2", { restartOnError: () => true });
    await t.informer.start();
    await churn("inf2", "a", 4);
    await waitFor(() => sim.openWatches > 0, "watch open");
    sim.faults.dropWatches();
    await churn("inf2", "b", 4);
    await expectConverged("inf2", t);
    await waitFor(() => sim.openWatches > 0, "watch reopened");
    sim.faults.dropWatches({ abrupt: true });
    await churn("inf2", "c", 4);
    await expectConverged("inf2", t);
    expect(t.errors.length).toBeGreaterThan(0);
    await t.informer.stop();
  });

  it("relists after a 410 for a resourceVersion that fell out of the event window", async () => {
    let allowRestart = true;
    const t = trackedInformer("inf3", { restartOnError: () => allowRestart });
    await core.createNamespacedConfigMap({ namespace: "inf3", body: { metadata: { name: "base" } } });
    await t.informer.start();
    await expectConverged("inf3", t);
    const listsBefore = sim.requests.filter((r) => r.verb === "list" && r.namespace === "inf3").length;

    allowRestart = false;
    await waitFor(() => sim.openWatches > 0, "watch open");
    sim.faults.dropWatches({ abrupt: true });
    await waitFor(() => t.errors.length > 0, "informer noticed the drop");
    // More changes than the window holds (historySize 4) while the informer is away.
    await churn("inf3", "gap", 10);
    await core.deleteNamespacedConfigMap({ name: "base", namespace: "inf3" });
    allowRestart = true;

    await expectConverged("inf3", t);
    const lists = sim.requests.filter((r) => r.verb === "list" && r.namespace === "inf3").length;
    expect(lists).toBeGreaterThan(listsBefore);
    expect(t.seen.has("base")).toBe(false);
    await t.informer.stop();
  });
});
