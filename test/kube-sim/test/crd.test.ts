import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeSim, loadCrdsFromDir, startKubeSim } from "../src/index.js";
import { apiError, clusterRunCrd, docsRunCrd, startFastSim, typedCrd, waitFor } from "./helpers.js";

let sim: KubeSim;
let ext: ApiextensionsV1Api;
let custom: CustomObjectsApi;
let generic: KubernetesObjectApi;
const dr = { group: "orchestrator.platform", version: "v1", namespace: "default", plural: "docsruns" };

function docsRun(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: "orchestrator.platform/v1", kind: "DocsRun", metadata: { name }, spec };
}

beforeAll(async () => {
  sim = await startFastSim();
  const kc = sim.kubeConfig();
  ext = kc.makeApiClient(ApiextensionsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  generic = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => sim.stop());

describe("CustomResourceDefinitions", () => {
  it("creating a CRD starts serving the resource; status becomes Established", async () => {
    expect((await apiError(custom.listNamespacedCustomObject(dr))).code).toBe(404);
    await ext.createCustomResourceDefinition({ body: typedCrd(docsRunCrd()) });
    const established = await waitFor(async () => {
      const crd = await ext.readCustomResourceDefinition({ name: "docsruns.orchestrator.platform" });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? crd
        : undefined;
    }, "Established");
    expect(established.status?.acceptedNames?.kind).toBe("DocsRun");
    expect(established.status?.storedVersions).toEqual(["v1"]);
    const list = (await custom.listNamespacedCustomObject(dr)) as { kind: string; items: unknown[] };
    expect(list.kind).toBe("DocsRunList");
  });

  it("invalid CRDs are rejected", async () => {
    const crd = docsRunCrd();
    (crd["metadata"] as { name: string }).name = "wrong.orchestrator.platform";
    const { code, status } = await apiError(ext.createCustomResourceDefinition({ body: typedCrd(crd) }));
    expect(code).toBe(422);
    expect(status.message).toContain(
      'metadata.name: Invalid value: "wrong.orchestrator.platform": must be spec.names.plural+"."+spec.group',
    );
  });

  it("CR CRUD with schema defaults and pruning of unknown fields", async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...dr,
      body: docsRun("one", {
        repositoryUrl: "https://github.com/o/r",
        githubUser: "bot",
        unknownField: 1,
        extra: { anything: true },
        env: { A: "1" },
      }),
    })) as { spec: Record<string, unknown>; metadata: { generation: number; uid: string } };
    expect(created.spec).toEqual({
      repositoryUrl: "https://github.com/o/r",
      githubUser: "bot",
      model: "sonnet",
      maxRetries: 1,
      extra: { anything: true },
      env: { A: "1" },
    });
    expect(created.metadata.generation).toBe(1);
    const got = (await custom.getNamespacedCustomObject({ ...dr, name: "one" })) as {
      apiVersion: string;
      kind: string;
    };
    expect(got.kind).toBe("DocsRun");
    const list = (await custom.listNamespacedCustomObject(dr)) as { items: { kind?: string }[] };
    // Unlike built-in lists, custom resource list items keep apiVersion/kind.
    expect(list.items[0]?.kind).toBe("DocsRun");
    await custom.deleteNamespacedCustomObject({ ...dr, name: "one" });
    expect((await apiError(custom.getNamespacedCustomObject({ ...dr, name: "one" }))).code).toBe(404);
  });

  it("schema validation answers 422 with field paths", async () => {
    const { code, status } = await apiError(
      custom.createNamespacedCustomObject({
        ...dr,
        body: docsRun("bad", {
          repositoryUrl: "ftp://x",
          model: "gpt",
          maxRetries: "three",
          labels: ["a", "b", "c"],
        }),
      }),
    );
    expect(code).toBe(422);
    expect(status.details).toMatchObject({ name: "bad", group: "orchestrator.platform", kind: "DocsRun" });
    const fields = Object.fromEntries((status.details?.causes ?? []).map((c) => [c.field, c.message]));
    expect(fields).toMatchObject({
      "spec.githubUser": "Required value",
      "spec.repositoryUrl": `Invalid value: "ftp://x": spec.repositoryUrl in body should match '^https://'`,
      "spec.model": 'Unsupported value: "gpt": supported values: "sonnet", "opus", "haiku"',
      "spec.maxRetries": 'Invalid value: "string": spec.maxRetries in body must be of type integer: "string"',
      "spec.labels": "Too many: 3: must have at most 2 items",
    });
    expect(status.message).toMatch(/^DocsRun\.orchestrator\.platform "bad" is invalid: \[/);
    const range = await apiError(
      custom.createNamespacedCustomObject({
        ...dr,
        body: docsRun("range", { repositoryUrl: "https://h/r", githubUser: "u", maxRetries: 9 }),
      }),
    );
    expect(range.status.details?.causes?.[0]).toMatchObject({
      field: "spec.maxRetries",
      message: "Invalid value: 9: spec.maxRetries in body should be less than or equal to 5",
    });
    const missingSpec = await apiError(
      custom.createNamespacedCustomObject({
        ...dr,
        body: { apiVersion: "orchestrator.platform/v1", kind: "DocsRun", metadata: { name: "nospec" } },
      }),
    );
    expect(missingSpec.status.details?.causes?.[0]).toMatchObject({
      field: "spec",
      message: "Required value",
    });
  });

  it("fieldValidation=Strict rejects unknown fields; the default only warns", async () => {
    const strict = await apiError(
      custom.createNamespacedCustomObject({
        ...dr,
        fieldValidation: "Strict",
        body: docsRun("strict", { repositoryUrl: "https://h/r", githubUser: "u", nope: 1 }),
      }),
    );
    expect(strict.code).toBe(400);
    expect(strict.status.message).toBe('strict decoding error: unknown field "spec.nope"');
  });

  it("watches custom resources", async () => {
    const seen: string[] = [];
    const controller = await new Watch(sim.kubeConfig()).watch(
      "/apis/orchestrator.platform/v1/namespaces/default/docsruns",
      {},
      (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await custom.createNamespacedCustomObject({
      ...dr,
      body: docsRun("watched", { repositoryUrl: "https://h/r", githubUser: "u" }),
    });
    await waitFor(() => seen.includes("ADDED watched"), "CR watch event");
    controller.abort();
  });

  it("cluster-scoped CRs without a status subresource; KubernetesObjectApi uses discovery", async () => {
    await ext.createCustomResourceDefinition({ body: typedCrd(clusterRunCrd()) });
    const created = await generic.create({
      apiVersion: "orchestrator.platform/v1",
      kind: "ClusterRun",
      metadata: { name: "c1" },
      spec: { a: 1 },
      status: { s: "kept" },
    } as never);
    expect((created as { status: { s: string } }).status.s).toBe("kept");
    expect((created as { metadata: { namespace?: string } }).metadata.namespace).toBeUndefined();
    const read = await generic.read({
      apiVersion: "orchestrator.platform/v1",
      kind: "ClusterRun",
      metadata: { name: "c1" },
    });
    expect((read as { spec: { a: number } }).spec.a).toBe(1);
    const patched = await generic.patch(
      {
        apiVersion: "orchestrator.platform/v1",
        kind: "ClusterRun",
        metadata: { name: "c1" },
        status: { s: "changed" },
      } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    // Without a status subresource, status is ordinary content and bumps the generation.
    expect((patched as { metadata: { generation: number } }).metadata.generation).toBe(2);
    const cm = await generic.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "via-generic" },
      data: { x: "y" },
    } as never);
    expect((cm as { metadata: { namespace: string } }).metadata.namespace).toBe("default");
    const listed = await generic.list("orchestrator.platform/v1", "ClusterRun");
    expect(listed.items).toHaveLength(1);
    await generic.delete({
      apiVersion: "orchestrator.platform/v1",
      kind: "ClusterRun",
      metadata: { name: "c1" },
    });
  });

  it("discovery documents", async () => {
    const get = async (path: string) =>
      (await fetch(`${sim.url}${path}`)).json() as Promise<Record<string, unknown>>;
    expect((await get("/api")).versions).toEqual(["v1"]);
    const core = (await get("/api/v1")) as { resources: { name: string }[] };
    expect(core.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["pods", "pods/log", "pods/status", "configmaps", "namespaces"]),
    );
    const groups = (await get("/apis")) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(["batch", "apiextensions.k8s.io", "orchestrator.platform"]),
    );
    const orch = (await get("/apis/orchestrator.platform/v1")) as {
      resources: { name: string; shortNames?: string[] }[];
    };
    expect(orch.resources.find((r) => r.name === "docsruns")?.shortNames).toEqual(["dr"]);
    expect((await get("/version")).gitVersion).toMatch(/^v1\./);
  });

  it("deleting a CRD removes its instances and stops serving it", async () => {
    await ext.deleteCustomResourceDefinition({ name: "clusterruns.orchestrator.platform" });
    await waitFor(
      async () =>
        (
          await apiError(
            custom.listClusterCustomObject({
              group: "orchestrator.platform",
              version: "v1",
              plural: "clusterruns",
            }),
          )
        ).code === 404,
      "not served",
    );
    expect(sim.objects.list("clusterruns.orchestrator.platform")).toEqual([]);
  });
});

describe("loadCrdsFromDir and startKubeSim({ crds })", () => {
  it("loads multi-document YAML, skips non-CRDs, and a missing directory is empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sim-crds-"));
    const yaml = (obj: object) => JSON.stringify(obj);
    await writeFile(
      join(dir, "a.yaml"),
      `${yaml(docsRunCrd())}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`,
    );
    await writeFile(join(dir, "b.yml"), yaml(clusterRunCrd()));
    await writeFile(join(dir, "notes.txt"), "ignored");
    const crds = await loadCrdsFromDir(dir);
    expect(crds.map((c) => c.metadata.name)).toEqual([
      "docsruns.orchestrator.platform",
      "clusterruns.orchestrator.platform",
    ]);
    expect(await loadCrdsFromDir(join(dir, "absent"))).toEqual([]);
  });

  it("serves the repository's deploy/crds (when present) from the start", async () => {
    const repoCrds = await loadCrdsFromDir(fileURLToPath(new URL("../../../deploy/crds", import.meta.url)));
    const started = await startKubeSim({ crds: repoCrds.length > 0 ? repoCrds : [docsRunCrd()] });
    try {
      const api = started.kubeConfig().makeApiClient(CustomObjectsApi);
      const list = (await api.listNamespacedCustomObject(dr)) as { kind: string };
      expect(list.kind).toBe("DocsRunList");
    } finally {
      await started.stop();
    }
  });
});
