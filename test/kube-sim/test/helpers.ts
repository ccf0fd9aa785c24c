import { ApiException, loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { type KubeSim, type KubeSimOptions, startKubeSim } from "../src/index.js";

/** Fast defaults for tests: short kubelet phases, 100× compressed Kubernetes time. */
export function fastOptions(extra: KubeSimOptions = {}): KubeSimOptions {
  return {
    seed: 42,
    tickMs: 5,
    timeScale: 0.01,
    ...extra,
    kubelet: {
      scheduleDelayMs: 2,
      startDelayMs: 5,
      runDurationMs: 10,
      imagePullBackOffMs: 10,
      terminationDelayMs: 5,
      ...extra.kubelet,
    },
  };
}

export function startFastSim(extra: KubeSimOptions = {}): Promise<KubeSim> {
  return startKubeSim(fastOptions(extra));
}

export interface StatusLike {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    retryAfterSeconds?: number;
    causes?: { reason: string; message: string; field: string }[];
  };
}

/** Awaits a call that must fail with an ApiException and returns what the client sees. */
export async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; status: StatusLike; headers: Record<string, string> }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = err.body as unknown;
      const status = (typeof body === "string" ? JSON.parse(body) : body) as StatusLike;
      return { code: err.code, status, headers: (err.headers ?? {}) as Record<string, string> };
    }
    throw err;
  }
  throw new Error("expected the call to fail with an ApiException");
}

/** Polls until `check` returns a truthy value (robust on loaded machines, unlike fixed sleeps). */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what = "condition",
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A DocsRun-like CRD fixture (group orchestrator.platform, status subresource, defaults, validation). */
export function docsRunCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "docsruns.orchestrator.platform" },
    spec: {
      group: "orchestrator.platform",
      scope: "Namespaced",
      names: { kind: "DocsRun", plural: "docsruns", singular: "docsrun", shortNames: ["dr"] },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                spec: {
                  type: "object",
                  required: ["repositoryUrl", "githubUser"],
                  properties: {
                    repositoryUrl: { type: "string", pattern: "^https://" },
                    githubUser: { type: "string", minLength: 1 },
                    model: { type: "string", default: "sonnet", enum: ["sonnet", "opus", "haiku"] },
                    maxRetries: { type: "integer", minimum: 0, maximum: 5, default: 1 },
                    labels: { type: "array", maxItems: 2, items: { type: "string" } },
                    env: { type: "object", additionalProperties: { type: "string" } },
                    extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  },
                },
                status: {
                  type: "object",
                  properties: {
                    phase: { type: "string" },
                    retryCount: { type: "integer" },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** A CodeRun-like CRD without a status subresource, cluster scoped, to cover the other branches. */
export function clusterRunCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "clusterruns.orchestrator.platform" },
    spec: {
      group: "orchestrator.platform",
      scope: "Cluster",
      names: { kind: "ClusterRun", plural: "clusterruns" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
}

/** Minimal Job body; `outcome` goes into the pod template's kube-sim/outcome annotation. */
export function jobBody(
  name: string,
  outcome?: object,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        metadata: outcome ? { annotations: { "kube-sim/outcome": JSON.stringify(outcome) } } : {},
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox:1.36" }] },
      },
    },
  };
}

/**
 * Typed clients serialize through client-node's models, whose property names differ from the wire
 * (`_default`, `xKubernetesPreserveUnknownFields`); raw JSON would silently lose those keys, so CRD
 * fixtures go through loadYaml (JSON is YAML) first, as code reading CRD manifests would.
 */
export function typedCrd(raw: Record<string, unknown>): V1CustomResourceDefinition {
  return loadYaml<V1CustomResourceDefinition>(JSON.stringify(raw));
}
