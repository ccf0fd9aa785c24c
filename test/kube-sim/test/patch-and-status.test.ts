import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, docsRunCrd, jobBody, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
let custom: CustomObjectsApi;
let generic: KubernetesObjectApi;
const ns = "default";
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
const dr = { group: "orchestrator.platform", version: "v1", namespace: ns, plural: "docsruns" };

beforeAll(async () => {
  sim = await startFastSim({ crds: [docsRunCrd()] });
  const kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  generic = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => sim.stop());

describe("patch types", () => {
  it("JSON patch (the client's default content type), including a failing test op", async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "jp" }, data: { a: "1", b: "2" } },
    });
    const patched = await core.patchNamespacedConfigMap({
      name: "jp",
      namespace: ns,
      body: [
        { op: "replace", path: "/data/a", value: "10" },
        { op: "remove", path: "/data/b" },
        { op: "add", path: "/metadata/labels", value: { x: "y" } },
      ],
    });
    expect(patched.data).toEqual({ a: "10" });
    expect(patched.metadata?.labels).toEqual({ x: "y" });
    const failed = await apiError(
      core.patchNamespacedConfigMap({
        name: "jp",
        namespace: ns,
        body: [{ op: "test", path: "/data/a", value: "nope" }],
      }),
    );
    expect(failed.code).toBe(422);
  });

  it("merge patch: objects merge, null deletes, lists replace", async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "mp", labels: { keep: "1", drop: "1" } }, data: { a: "1" } },
    });
    const patched = await core.patchNamespacedConfigMap(
      {
        name: "mp",
        namespace: ns,
        body: { metadata: { labels: { drop: null, add: "2" } }, data: { b: "2" } },
      },
      merge,
    );
    expect(patched.metadata?.labels).toEqual({ keep: "1", add: "2" });
    expect(patched.data).toEqual({ a: "1", b: "2" });
  });

  it("a resourceVersion inside a patch is a precondition", async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "pre" } } });
    await core.patchNamespacedConfigMap({ name: "pre", namespace: ns, body: { data: { a: "1" } } }, merge);
    const { code } = await apiError(
      core.patchNamespacedConfigMap(
        {
          name: "pre",
          namespace: ns,
          body: { metadata: { resourceVersion: cm.metadata?.resourceVersion }, data: { a: "2" } },
        },
        merge,
      ),
    );
    expect(code).toBe(409);
  });

  it("strategic merge patch merges containers and env by name", async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "smp", annotations: { "kube-sim/outcome": '{"unschedulable":true}' } },
        spec: {
          containers: [
            {
              name: "a",
              image: "img:1",
              env: [
                { name: "X", value: "1" },
                { name: "Y", value: "2" },
              ],
            },
            { name: "b", image: "other:1" },
          ],
        },
      },
    });
    const patched = await core.patchNamespacedPod(
      {
        name: "smp",
        namespace: ns,
        body: {
          spec: { containers: [{ name: "a", image: "img:2" }] },
          metadata: { finalizers: ["example.com/f"] },
        },
      },
      strategic,
    );
    expect(patched.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual(["a=img:2", "b=other:1"]);
    expect(patched.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(["X", "Y"]);
    expect(patched.metadata?.finalizers).toEqual(["example.com/f"]);
    // Pod specs are mostly immutable: changing something other than an image is refused.
    const forbidden = await apiError(
      core.patchNamespacedPod(
        { name: "smp", namespace: ns, body: { spec: { containers: [{ name: "a", command: ["sh"] }] } } },
        strategic,
      ),
    );
    expect(forbidden.code).toBe(422);
    expect(forbidden.status.message).toContain(
      "spec: Forbidden: pod updates may not change fields other than",
    );
    const cleared = await core.patchNamespacedPod(
      {
        name: "smp",
        namespace: ns,
        body: { metadata: { "$deleteFromPrimitiveList/finalizers": ["example.com/f"] } },
      },
      strategic,
    );
    expect(cleared.metadata?.finalizers ?? []).toEqual([]);
  });

  it("strategic merge patch is refused for custom resources (415), like a real server", async () => {
    await custom.createNamespacedCustomObject({
      ...dr,
      body: {
        apiVersion: "orchestrator.platform/v1",
        kind: "DocsRun",
        metadata: { name: "smp-cr" },
        spec: { repositoryUrl: "https://h/r", githubUser: "u" },
      },
    });
    const err = await apiError(
      generic.patch({
        apiVersion: "orchestrator.platform/v1",
        kind: "DocsRun",
        metadata: { name: "smp-cr", namespace: ns },
        spec: { githubUser: "v" },
      } as never),
    );
    expect(err.code).toBe(415);
    expect(err.status.reason).toBe("UnsupportedMediaType");
    const ok = await generic.patch(
      {
        apiVersion: "orchestrator.platform/v1",
        kind: "DocsRun",
        metadata: { name: "smp-cr", namespace: ns },
        spec: { githubUser: "v" },
      } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((ok as { spec: { githubUser: string } }).spec.githubUser).toBe("v");
  });
});

describe("status subresource", () => {
  it("main-resource writes ignore .status; /status writes change only .status; generation follows spec", async () => {
    const job = await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("st", { hang: true }, { suspend: true }),
    });
    expect(job.metadata?.generation).toBe(1);
    // The job controller writes the Suspended condition right away; work from the current object.
    const current = await waitFor(async () => {
      const j = await batch.readNamespacedJob({ name: "st", namespace: ns });
      return j.status?.conditions?.some((c) => c.type === "Suspended") ? j : undefined;
    }, "Suspended condition");
    const withStatus = { ...current, status: { active: 99 } };
    const replaced = await batch.replaceNamespacedJob({ name: "st", namespace: ns, body: withStatus });
    expect(replaced.status?.active).toBeUndefined();
    expect(replaced.status?.conditions?.[0]?.type).toBe("Suspended");
    expect(replaced.metadata?.generation).toBe(1);

    const labelled = await batch.patchNamespacedJob(
      { name: "st", namespace: ns, body: { metadata: { labels: { a: "b" } } } },
      merge,
    );
    expect(labelled.metadata?.generation).toBe(1);
    const resumed = await batch.patchNamespacedJob(
      { name: "st", namespace: ns, body: { spec: { suspend: false } } },
      merge,
    );
    expect(resumed.metadata?.generation).toBe(2);

    const statusWrite = await batch.patchNamespacedJobStatus(
      {
        name: "st",
        namespace: ns,
        body: { metadata: { labels: { ignored: "yes" } }, spec: { parallelism: 5 }, status: { failed: 7 } },
      },
      merge,
    );
    expect(statusWrite.status?.failed).toBe(7);
    expect(statusWrite.metadata?.labels?.["ignored"]).toBeUndefined();
    expect(statusWrite.spec?.parallelism).toBe(1);
    expect(statusWrite.metadata?.generation).toBe(2);
    await batch.deleteNamespacedJob({ name: "st", namespace: ns, propagationPolicy: "Background" });
  });

  it("custom resource status subresource (get/replace/patch) and generation", async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...dr,
      body: {
        apiVersion: "orchestrator.platform/v1",
        kind: "DocsRun",
        metadata: { name: "status-cr" },
        spec: { repositoryUrl: "https://h/r", githubUser: "u" },
        status: { phase: "Dropped" },
      },
    })) as { metadata: { generation: number }; status?: unknown };
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...dr, name: "status-cr", body: { status: { phase: "Running" } } },
      merge,
    )) as {
      metadata: { generation: number };
      status: { phase: string };
    };
    expect(patched.status.phase).toBe("Running");
    expect(patched.metadata.generation).toBe(1);
    const got = (await custom.getNamespacedCustomObjectStatus({ ...dr, name: "status-cr" })) as Record<
      string,
      unknown
    >;
    const replaced = (await custom.replaceNamespacedCustomObjectStatus({
      ...dr,
      name: "status-cr",
      body: {
        ...got,
        spec: { repositoryUrl: "https://changed/r", githubUser: "u" },
        status: { phase: "Done", retryCount: 1 },
      },
    })) as { spec: { repositoryUrl: string }; status: { phase: string } };
    expect(replaced.status.phase).toBe("Done");
    expect(replaced.spec.repositoryUrl).toBe("https://h/r");
    const specPatch = (await custom.patchNamespacedCustomObject(
      { ...dr, name: "status-cr", body: { spec: { githubUser: "w" }, status: { phase: "X" } } },
      merge,
    )) as {
      metadata: { generation: number };
      status: { phase: string };
    };
    expect(specPatch.metadata.generation).toBe(2);
    expect(specPatch.status.phase).toBe("Done");
  });
});
