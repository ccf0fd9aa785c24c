import { CoreV1Api, type KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { startFastSim, waitFor } from "./helpers.js";

interface Seen {
  type: string;
  name: string;
  rv: string;
  code?: number;
}

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", "w"], historySize: 5, watchTimeoutMs: 60_000 });
  kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(() => sim.stop());

async function watch(path: string, query: Record<string, string | number | boolean>) {
  const seen: Seen[] = [];
  let done: unknown = "open";
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      seen.push({
        type,
        name: obj.metadata?.name ?? "",
        rv: obj.metadata?.resourceVersion ?? "",
        ...(obj.code ? { code: obj.code } : {}),
      });
    },
    (err) => {
      done = err;
    },
  );
  return { seen, controller, done: () => done };
}

describe("watch", () => {
  it("without resourceVersion: synthetic ADDED for existing objects, then changes", async () => {
    await core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "pre" } } });
    const w = await watch("/api/v1/namespaces/w/configmaps", {});
    await waitFor(() => w.seen.length === 1, "initial ADDED");
    await core.createNamespacedConfigMap({
      namespace: "w",
      body: { metadata: { name: "post" }, data: { a: "1" } },
    });
    await core.patchNamespacedConfigMap({
      name: "post",
      namespace: "w",
      body: [{ op: "replace", path: "/data/a", value: "2" }],
    });
    await core.deleteNamespacedConfigMap({ name: "post", namespace: "w" });
    await waitFor(() => w.seen.length === 4, "4 events");
    expect(w.seen.map((s) => `${s.type} ${s.name}`)).toEqual([
      "ADDED pre",
      "ADDED post",
      "MODIFIED post",
      "DELETED post",
    ]);
    const rvs = w.seen.slice(1).map((s) => Number(s.rv));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    w.controller.abort();
  });

  it("from a resourceVersion: replays only later changes", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: "w" });
    const rv = list.metadata?.resourceVersion ?? "";
    await core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "after" } } });
    const w = await watch("/api/v1/namespaces/w/configmaps", { resourceVersion: rv });
    await waitFor(() => w.seen.length === 1, "replayed event");
    expect(w.seen[0]).toMatchObject({ type: "ADDED", name: "after" });
    w.controller.abort();
  });

  it("a resourceVersion older than the event window gets an ERROR event with a 410 Status", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: "w" });
    const old = list.metadata?.resourceVersion ?? "";
    for (let i = 0; i < 8; i++)
      await core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: `churn-${i}` } } });
    const w = await watch("/api/v1/namespaces/w/configmaps", { resourceVersion: old });
    await waitFor(() => w.done() !== "open", "server closes the expired watch");
    expect(w.seen).toEqual([{ type: "ERROR", name: "", rv: "", code: 410 }]);
  });

  it("label selector transitions become ADDED/DELETED for the watcher", async () => {
    const w = await watch("/api/v1/namespaces/w/configmaps", {
      labelSelector: "watched=yes",
      resourceVersion:
        (await core.listNamespacedConfigMap({ namespace: "w" })).metadata?.resourceVersion ?? "",
    });
    await core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "sel" } } });
    await core.patchNamespacedConfigMap({
      name: "sel",
      namespace: "w",
      body: [{ op: "add", path: "/metadata/labels", value: { watched: "yes" } }],
    });
    await core.patchNamespacedConfigMap({
      name: "sel",
      namespace: "w",
      body: [{ op: "replace", path: "/metadata/labels/watched", value: "no" }],
    });
    await waitFor(() => w.seen.length === 2, "2 events");
    expect(w.seen.map((s) => s.type)).toEqual(["ADDED", "DELETED"]);
    w.controller.abort();
  });

  it("timeoutSeconds closes the stream; bookmarks carry the current resourceVersion", async () => {
    const w = await watch("/api/v1/namespaces/w/secrets", { timeoutSeconds: 1, allowWatchBookmarks: true });
    await waitFor(() => w.done() !== "open", "server-side close", 5000);
    expect(w.done()).toBeNull();
    const bookmarks = w.seen.filter((s) => s.type === "BOOKMARK");
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(Number(bookmarks.at(-1)?.rv)).toBeGreaterThan(0);
  });

  it("watch of a single object via fieldSelector metadata.name", async () => {
    const w = await watch("/api/v1/namespaces/w/configmaps", { fieldSelector: "metadata.name=pre" });
    await core.createNamespacedConfigMap({ namespace: "w", body: { metadata: { name: "unrelated" } } });
    await core.patchNamespacedConfigMap({
      name: "pre",
      namespace: "w",
      body: [{ op: "add", path: "/data", value: { k: "v" } }],
    });
    await waitFor(() => w.seen.length === 2, "events for pre");
    expect(w.seen.map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED pre", "MODIFIED pre"]);
    w.controller.abort();
  });
});
