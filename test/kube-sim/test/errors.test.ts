import { BatchV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, docsRunCrd, jobBody, startFastSim } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
let custom: CustomObjectsApi;
const ns = "default";

beforeAll(async () => {
  sim = await startFastSim({ crds: [docsRunCrd()] });
  const kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterAll(() => sim.stop());

describe("error Status objects as the client sees them", () => {
  it("404 NotFound", async () => {
    const { code, status } = await apiError(core.readNamespacedConfigMap({ name: "missing", namespace: ns }));
    expect(code).toBe(404);
    expect(status).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      message: 'configmaps "missing" not found',
      details: { name: "missing", kind: "configmaps" },
      code: 404,
    });
    const job = await apiError(batch.readNamespacedJob({ name: "nojob", namespace: ns }));
    expect(job.status.message).toBe('jobs.batch "nojob" not found');
    expect(job.status.details).toEqual({ name: "nojob", group: "batch", kind: "jobs" });
  });

  it("404 for a namespace that does not exist, on create", async () => {
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({ namespace: "nowhere", body: { metadata: { name: "x" } } }),
    );
    expect(code).toBe(404);
    expect(status.message).toBe('namespaces "nowhere" not found');
    expect(status.details).toEqual({ name: "nowhere", kind: "namespaces" });
    // Listing a namespace that does not exist is simply empty, as on a real server.
    expect((await core.listNamespacedConfigMap({ namespace: "nowhere" })).items).toEqual([]);
  });

  it("409 AlreadyExists", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "dup" } } });
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "dup" } } }),
    );
    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: "AlreadyExists",
      message: 'configmaps "dup" already exists',
      details: { name: "dup", kind: "configmaps" },
    });
  });

  it("409 Conflict on a stale resourceVersion (optimistic concurrency)", async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "occ" }, data: { v: "1" } },
    });
    const first = structuredClone(cm);
    const second = structuredClone(cm);
    first.data = { v: "2" };
    await core.replaceNamespacedConfigMap({ name: "occ", namespace: ns, body: first });
    second.data = { v: "3" };
    const { code, status } = await apiError(
      core.replaceNamespacedConfigMap({ name: "occ", namespace: ns, body: second }),
    );
    expect(code).toBe(409);
    expect(status.reason).toBe("Conflict");
    expect(status.message).toBe(
      'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await core.readNamespacedConfigMap({ name: "occ", namespace: ns })).data).toEqual({ v: "2" });
    // Without a resourceVersion a built-in update is unconditional.
    delete second.metadata?.resourceVersion;
    await core.replaceNamespacedConfigMap({ name: "occ", namespace: ns, body: second });
  });

  it("422 Invalid for a bad name, with causes", async () => {
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "Bad_Name" } } }),
    );
    expect(code).toBe(422);
    expect(status.reason).toBe("Invalid");
    expect(status.message).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    expect(status.details).toMatchObject({ name: "Bad_Name", kind: "ConfigMap" });
    expect(status.details?.causes?.[0]).toMatchObject({
      reason: "FieldValueInvalid",
      field: "metadata.name",
    });
  });

  it("422 for label values longer than 63 characters", async () => {
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "lbl", labels: { k: "x".repeat(64) } } },
      }),
    );
    expect(code).toBe(422);
    expect(status.details?.causes?.[0]?.field).toBe("metadata.labels");
    expect(status.message).toContain("must be no more than 63 characters");
  });

  it("422 when ConfigMap data exceeds 1 MiB", async () => {
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "big" }, data: { blob: "x".repeat(1024 * 1024) } },
      }),
    );
    expect(code).toBe(422);
    expect(status.message).toBe('ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes');
    expect(status.details?.causes?.[0]).toMatchObject({ reason: "FieldValueTooLong" });
  });

  it("422 for a Job whose template restartPolicy is not Never/OnFailure", async () => {
    const body = jobBody("always");
    (body["spec"] as { template: { spec: Record<string, unknown> } }).template.spec["restartPolicy"] =
      "Always";
    const { code, status } = await apiError(batch.createNamespacedJob({ namespace: ns, body }));
    expect(code).toBe(422);
    expect(status.message).toBe(
      'Job.batch "always" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
    expect(status.details).toMatchObject({ name: "always", group: "batch", kind: "Job" });
  });

  it("422 listing several problems at once", async () => {
    const { status } = await apiError(
      batch.createNamespacedJob({
        namespace: ns,
        body: {
          metadata: { name: "empty" },
          spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c" }] } } },
        },
      }),
    );
    expect(status.message).toMatch(
      /^Job\.batch "empty" is invalid: spec\.template\.spec\.containers\[0\]\.image: Required value$/,
    );
    const multi = await apiError(
      batch.createNamespacedJob({
        namespace: ns,
        body: {
          metadata: { name: "multi" },
          spec: { backoffLimit: -1, template: { spec: { containers: [] } } },
        },
      }),
    );
    expect(multi.status.message).toMatch(/^Job\.batch "multi" is invalid: \[/);
    expect(multi.status.details?.causes?.map((c) => c.field)).toEqual(
      expect.arrayContaining([
        "spec.backoffLimit",
        "spec.template.spec.containers",
        "spec.template.spec.restartPolicy",
      ]),
    );
  });

  it("422 for changes to immutable fields", async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "frozen" }, immutable: true, data: { a: "1" } },
    });
    cm.data = { a: "2" };
    const { code, status } = await apiError(
      core.replaceNamespacedConfigMap({ name: "frozen", namespace: ns, body: cm }),
    );
    expect(code).toBe(422);
    expect(status.message).toContain("data: Forbidden: field is immutable when `immutable` is set");
  });

  it("custom resources require metadata.resourceVersion on update", async () => {
    const body = {
      apiVersion: "orchestrator.platform/v1",
      kind: "DocsRun",
      metadata: { name: "rv" },
      spec: { repositoryUrl: "https://x/y", githubUser: "u" },
    };
    const created = (await custom.createNamespacedCustomObject({
      group: "orchestrator.platform",
      version: "v1",
      namespace: ns,
      plural: "docsruns",
      body,
    })) as { metadata: Record<string, unknown> };
    delete created.metadata["resourceVersion"];
    const { code, status } = await apiError(
      custom.replaceNamespacedCustomObject({
        group: "orchestrator.platform",
        version: "v1",
        namespace: ns,
        plural: "docsruns",
        name: "rv",
        body: created,
      }),
    );
    expect(code).toBe(422);
    expect(status.message).toContain(
      "metadata.resourceVersion: Invalid value: 0: must be specified for an update",
    );
  });

  it("400 for a namespace mismatch between URL and body, 405 for unknown verbs on resources", async () => {
    const { code } = await apiError(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "m", namespace: "other" } },
      }),
    );
    expect(code).toBe(400);
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps/x`, {
      method: "POST",
      body: "{}",
    });
    expect(res.status).toBe(405);
    const unknown = await fetch(`${sim.url}/api/v1/namespaces/default/widgets`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { kind: string }).kind).toBe("Status");
  });
});
