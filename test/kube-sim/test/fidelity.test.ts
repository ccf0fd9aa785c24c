import { BatchV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, jobBody, startFastSim, waitFor } from "./helpers.js";
import { HAS_KUBECTL, type Kubectl, kubectlFor, ok } from "./kubectl.js";

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;
let batch: BatchV1Api;
let kubectl: Kubectl;

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", "fid"] });
  kc = sim.kubeConfig("fid");
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  kubectl = await kubectlFor(sim, "fid");
});
afterAll(() => sim.stop());

describe("request decoding like the API server", () => {
  it.skipIf(!HAS_KUBECTL)(
    "kubectl delete --dry-run=server keeps the object (dryRun in the DeleteOptions body)",
    async () => {
      await core.createNamespacedConfigMap({ namespace: "fid", body: { metadata: { name: "keep-me" } } });
      const out = await ok(kubectl, ["delete", "configmap", "keep-me", "--dry-run=server"]);
      expect(out).toContain("deleted (server dry run)");
      const still = await core.readNamespacedConfigMap({ namespace: "fid", name: "keep-me" });
      expect(still.metadata?.name).toBe("keep-me");
      await ok(kubectl, ["delete", "configmap", "keep-me"]);
      expect((await apiError(core.readNamespacedConfigMap({ namespace: "fid", name: "keep-me" }))).code).toBe(
        404,
      );
    },
  );

  it("client-node deleteNamespacedConfigMap with body.dryRun=[All] keeps the object; a bad value is a 400", async () => {
    await core.createNamespacedConfigMap({ namespace: "fid", body: { metadata: { name: "dry" } } });
    await core.deleteNamespacedConfigMap({ namespace: "fid", name: "dry", body: { dryRun: ["All"] } });
    expect((await core.readNamespacedConfigMap({ namespace: "fid", name: "dry" })).metadata?.name).toBe(
      "dry",
    );
    const err = await apiError(
      core.deleteNamespacedConfigMap({ namespace: "fid", name: "dry", body: { dryRun: ["Some"] } }),
    );
    expect(err.code).toBe(400);
    expect(err.status.message).toContain('supported values: "All"');
  });

  it("propagationPolicy in the DeleteOptions body orphans a Job's pods", async () => {
    await batch.createNamespacedJob({ namespace: "fid", body: jobBody("orphaner", { hang: true }) });
    const pod = await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace: "fid", labelSelector: "job-name=orphaner" })).items[0],
      "the job's pod",
    );
    await batch.deleteNamespacedJob({
      namespace: "fid",
      name: "orphaner",
      body: { propagationPolicy: "Orphan" },
    });
    await waitFor(
      async () =>
        (await apiError(batch.readNamespacedJob({ namespace: "fid", name: "orphaner" }))).code === 404,
      "job gone",
    );
    const after = await core.readNamespacedPod({ namespace: "fid", name: pod.metadata?.name ?? "" });
    expect(after.metadata?.ownerReferences ?? []).toHaveLength(0);
    expect(after.metadata?.deletionTimestamp).toBeUndefined();
  });

  it("watch=True (as the Python client sends it) streams events instead of answering a list", async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces/fid/configmaps?watch=True&timeoutSeconds=5`, {
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    await core.createNamespacedConfigMap({ namespace: "fid", body: { metadata: { name: "watched" } } });
    let text = "";
    while (!text.includes('"name":"watched"')) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += Buffer.from(chunk.value).toString("utf8");
    }
    controller.abort();
    const first = JSON.parse(text.split("\n")[0] ?? "{}") as { type?: string; kind?: string };
    expect(first.kind).toBeUndefined(); // not a ConfigMapList
    expect(text).toMatch(/"type":"ADDED".*"name":"watched"/s);
  });

  it("watch=false and watch=0 answer a list", async () => {
    for (const v of ["false", "False", "0"]) {
      const res = await fetch(`${sim.url}/api/v1/namespaces/fid/configmaps?watch=${v}`);
      expect(((await res.json()) as { kind: string }).kind).toBe("ConfigMapList");
    }
  });
});

describe("kubelet fidelity", () => {
  it("a termination message is cut to its last 4096 bytes", async () => {
    const message = `HEAD${"x".repeat(5000)}TAIL`;
    await batch.createNamespacedJob({
      namespace: "fid",
      body: jobBody("long-msg", { exitCode: 1, terminationMessage: message }),
    });
    const terminated = await waitFor(async () => {
      const pods = await core.listNamespacedPod({ namespace: "fid", labelSelector: "job-name=long-msg" });
      return pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated;
    }, "terminated container");
    expect(Buffer.byteLength(terminated.message ?? "")).toBe(4096);
    expect(terminated.message?.endsWith("TAIL")).toBe(true);
    expect(terminated.message?.startsWith("HEAD")).toBe(false);
  });
});
