import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type KubeSim, startKubeSim } from "../src/index.js";
import { apiError, fastOptions, jobBody, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
const ns = "default";

beforeAll(async () => {
  sim = await startFastSim();
  core = sim.kubeConfig().makeApiClient(CoreV1Api);
});
afterEach(() => sim.faults.clear());
afterAll(() => sim.stop());

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

describe("fault injection", () => {
  it("failNext: the next N matching requests get a 500 Status, then service resumes", async () => {
    sim.faults.failNext(2, 500, { verb: "list", resource: "configmaps" });
    const first = await apiError(core.listNamespacedConfigMap({ namespace: ns }));
    expect(first.code).toBe(500);
    expect(first.status).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 });
    await core.listNamespacedSecret({ namespace: ns }); // other resources are unaffected
    expect((await apiError(core.listNamespacedConfigMap({ namespace: ns }))).code).toBe(500);
    await core.listNamespacedConfigMap({ namespace: ns });
  });

  it("429 carries a Retry-After header and retryAfterSeconds", async () => {
    sim.faults.add({ status: 429, retryAfterSeconds: 3, times: 1, match: { verb: "create" } });
    const err = await apiError(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "throttled" } } }),
    );
    expect(err.code).toBe(429);
    expect(err.headers["retry-after"]).toBe("3");
    expect(err.status).toMatchObject({ reason: "TooManyRequests", details: { retryAfterSeconds: 3 } });
    // The failed create must not have happened.
    expect((await apiError(core.readNamespacedConfigMap({ name: "throttled", namespace: ns }))).code).toBe(
      404,
    );
  });

  it("forced 409 and 503 answers", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "forced" } } });
    sim.faults.add({ status: 409, times: 1, match: { verb: ["update", "patch"], name: "forced" } });
    const conflict = await apiError(
      core.patchNamespacedConfigMap({
        name: "forced",
        namespace: ns,
        body: [{ op: "add", path: "/data", value: {} }],
      }),
    );
    expect(conflict.status).toMatchObject({ code: 409, reason: "Conflict" });
    sim.faults.add({ status: 503, times: 1 });
    expect(
      (await apiError(core.readNamespacedConfigMap({ name: "forced", namespace: ns }))).status.reason,
    ).toBe("ServiceUnavailable");
  });

  it("a seeded error rate is deterministic", async () => {
    const pattern = async (): Promise<string> => {
      const s = await startKubeSim(fastOptions({ seed: 7 }));
      try {
        const api = s.kubeConfig().makeApiClient(CoreV1Api);
        s.faults.errorRate(0.5, 500, { resource: "configmaps" });
        let out = "";
        for (let i = 0; i < 16; i++) {
          out += await api.listNamespacedConfigMap({ namespace: ns }).then(
            () => ".",
            () => "x",
          );
        }
        return out;
      } finally {
        await s.stop();
      }
    };
    const a = await pattern();
    expect(a).toMatch(/x/);
    expect(a).toMatch(/\./);
    expect(await pattern()).toBe(a);
  });

  it("latency delays answers", async () => {
    sim.faults.latency(150, { verb: "get", resource: "namespaces" });
    const started = Date.now();
    await core.readNamespace({ name: ns });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("refusing connections for a while", async () => {
    await sim.faults.refuseConnections(0);
    const pending = sim.faults.refuseConnections(150);
    await expect(core.readNamespace({ name: ns })).rejects.toThrow();
    await pending;
    expect((await core.readNamespace({ name: ns })).metadata?.name).toBe(ns);
  });
});

describe("request log", () => {
  it("records method, path, query, verb, resource, namespace, name and status", async () => {
    sim.clearRequests();
    await core.listNamespacedPod({ namespace: ns, labelSelector: "a=b" });
    await apiError(core.readNamespacedPod({ name: "nope", namespace: ns }));
    const entries = sim.requests;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      method: "GET",
      path: "/api/v1/namespaces/default/pods",
      query: { labelSelector: "a=b" },
      verb: "list",
      resource: "pods",
      namespace: ns,
      statusCode: 200,
    });
    expect(entries[1]).toMatchObject({ verb: "get", name: "nope", statusCode: 404 });
    expect(typeof entries[1]?.time).toBe("string");
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
  });
});

describe("admin endpoints (/_sim)", () => {
  it("faults, requests and outcome rules over HTTP", async () => {
    const added = await admin("POST", "/_sim/faults", {
      status: 500,
      times: 1,
      match: { verb: "get", resource: "namespaces" },
    });
    expect(added.status).toBe(201);
    expect((await admin("GET", "/_sim/faults")).json).toHaveLength(1);
    expect((await apiError(core.readNamespace({ name: ns }))).code).toBe(500);
    expect((await admin("GET", "/_sim/faults")).json).toHaveLength(0);
    expect((await admin("POST", "/_sim/faults", { status: "bad" })).status).toBe(400);

    const log = (await admin("GET", "/_sim/requests")).json as { verb: string; fault?: string }[];
    expect(log.some((e) => e.fault?.endsWith(":500"))).toBe(true);
    await admin("DELETE", "/_sim/requests");
    expect((await admin("GET", "/_sim/requests")).json).toEqual([]);

    const rule = await admin("POST", "/_sim/outcomes", {
      match: { jobName: "scripted" },
      outcome: { exitCode: 4, terminationMessage: "by rule" },
    });
    expect(rule.status).toBe(201);
    const batch = sim.kubeConfig().makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("scripted") });
    const pod = await waitFor(async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "job-name=scripted" });
      return pods.items[0]?.status?.phase === "Failed" ? pods.items[0] : undefined;
    }, "rule outcome");
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 4,
      message: "by rule",
    });
    await admin("DELETE", "/_sim/outcomes");
  });

  it("dropping watches over HTTP", async () => {
    const { Watch } = await import("@kubernetes/client-node");
    let ended: unknown = "open";
    await new Watch(sim.kubeConfig()).watch(
      "/api/v1/namespaces/default/pods",
      {},
      () => {},
      (err) => {
        ended = err;
      },
    );
    await waitFor(() => sim.openWatches > 0, "watch open");
    const res = await admin("POST", "/_sim/watches/drop");
    expect((res.json as { dropped: number }).dropped).toBeGreaterThan(0);
    await waitFor(() => ended !== "open", "watch ended");
    expect(ended).toBeNull();
  });
});
