import { readFileSync } from "node:fs";
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeSim } from "../src/index.js";
import { apiError, jobBody, startFastSim } from "./helpers.js";

const crd = parse(readFileSync(new URL("./fixtures/widgets-crd.yaml", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;
// A transition rule: once set, color may not change.
const spec = (
  crd["spec"] as {
    versions: {
      schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
    }[];
  }
).versions[0];
if (spec) {
  spec.schema.openAPIV3Schema.properties.spec.properties["color"] = {
    type: "string",
    default: "blue",
    "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "color is immutable" }],
  };
}

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;
let batch: BatchV1Api;
let custom: CustomObjectsApi;
const ns = "val";
const G = { group: "conformance.kube-sim.test", version: "v1", namespace: ns, plural: "widgets" };
const widget = (name: string, s: Record<string, unknown>) => ({
  apiVersion: "conformance.kube-sim.test/v1",
  kind: "Widget",
  metadata: { name },
  spec: s,
});

beforeAll(async () => {
  sim = await startFastSim({ namespaces: [ns], crds: [crd] });
  kc = sim.kubeConfig(ns);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterAll(() => sim.stop());

function pod(name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: { containers: [{ name: "main", image: "busybox", ...container }], ...extra },
  };
}

async function rejected(body: ReturnType<typeof pod>): Promise<string> {
  const err = await apiError(core.createNamespacedPod({ namespace: ns, body }));
  expect(err.code).toBe(422);
  expect(err.status.reason).toBe("Invalid");
  return err.status.message;
}

describe("CRD CEL rules (x-kubernetes-validations)", () => {
  it("rejects an object breaking a rule with the rule's message, accepts a valid one", async () => {
    const err = await apiError(
      custom.createNamespacedCustomObject({ ...G, body: widget("big", { size: 50 }) }),
    );
    expect(err.code).toBe(422);
    expect(err.status.message).toContain('spec: Invalid value: "object": size must not exceed maxSize');
    await custom.createNamespacedCustomObject({ ...G, body: widget("small", { size: 5, maxSize: 5 }) });
  });

  it("transition rules compare with the old object on update only", async () => {
    await custom.createNamespacedCustomObject({ ...G, body: widget("painted", { size: 1, color: "red" }) });
    const err = await apiError(
      custom.patchNamespacedCustomObject(
        { ...G, name: "painted", body: { spec: { color: "green" } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    expect(err.code).toBe(422);
    expect(err.status.message).toContain('spec.color: Invalid value: "string": color is immutable');
  });

  it("sim.setCelValidation(false) turns the rules off for tests that need invalid objects", async () => {
    sim.setCelValidation(false);
    try {
      await custom.createNamespacedCustomObject({ ...G, body: widget("unchecked", { size: 99 }) });
    } finally {
      sim.setCelValidation(true);
    }
    expect(
      (await apiError(custom.createNamespacedCustomObject({ ...G, body: widget("checked", { size: 99 }) })))
        .code,
    ).toBe(422);
  });
});

describe("pod and job validation a real API server does", () => {
  it("resource quantities must parse", async () => {
    const msg = await rejected(pod("q", { resources: { limits: { memory: "4GB!" } } }));
    expect(msg).toContain(
      'spec.containers[0].resources.limits[memory]: Invalid value: "4GB!": quantities must match',
    );
  });

  it("a request may not exceed its limit", async () => {
    const msg = await rejected(pod("rl", { resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } } }));
    expect(msg).toContain("must be less than or equal to cpu limit of 500m");
    await core.createNamespacedPod({
      namespace: ns,
      body: pod("rl-ok", { resources: { requests: { memory: "1Gi" }, limits: { memory: "1536Mi" } } }),
    });
  });

  it("volumeMounts must name a volume", async () => {
    const msg = await rejected(pod("vm", { volumeMounts: [{ name: "data", mountPath: "/data" }] }));
    expect(msg).toContain('spec.containers[0].volumeMounts[0].name: Not found: "data"');
  });

  it("runAsUser may not be negative", async () => {
    const msg = await rejected(pod("ru", { securityContext: { runAsUser: -1 } }));
    expect(msg).toContain(
      "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647",
    );
  });

  it("defaultMode must be within 0777", async () => {
    const msg = await rejected(
      pod("dm", {}, { volumes: [{ name: "s", secret: { secretName: "x", defaultMode: 1000 } }] }),
    );
    expect(msg).toContain(
      "spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777",
    );
  });

  it("terminationMessagePolicy must be File or FallbackToLogsOnError", async () => {
    const msg = await rejected(pod("tmp", { terminationMessagePolicy: "Always" }));
    expect(msg).toContain('spec.containers[0].terminationMessagePolicy: Unsupported value: "Always"');
  });

  it("env var names must be valid", async () => {
    const msg = await rejected(pod("env", { env: [{ name: "1BAD=NAME", value: "x" }] }));
    expect(msg).toContain(
      'spec.containers[0].env[0].name: Invalid value: "1BAD=NAME": a valid environment variable name',
    );
  });

  it("a Job selector without manualSelector is rejected", async () => {
    const body = jobBody("sel", undefined, { selector: { matchLabels: { app: "mine" } } });
    const err = await apiError(batch.createNamespacedJob({ namespace: ns, body }));
    expect(err.code).toBe(422);
    expect(err.status.message).toContain("spec.selector: Invalid value");
    expect(err.status.message).toContain("`selector` not auto-generated");
  });

  it("a Job with activeDeadlineSeconds: 0 is accepted", async () => {
    const job = await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("zero", undefined, { activeDeadlineSeconds: 0 }),
    });
    expect(job.spec?.activeDeadlineSeconds).toBe(0);
  });
});
