import { clone, getPath, isObject } from "./json-utils.js";
import type { JsonObject, KubeObject } from "./types.js";

/** Finalizer the Job controller puts on its pods so none is lost before it was counted. */
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";

function phase(pod: KubeObject): unknown {
  return getPath(pod, "status", "phase");
}

export function isSucceeded(pod: KubeObject): boolean {
  return phase(pod) === "Succeeded";
}

/** With podReplacementPolicy TerminatingOrFailed, a terminating pod already counts as failed. */
export function isFailed(pod: KubeObject): boolean {
  return (
    phase(pod) === "Failed" || (pod.metadata.deletionTimestamp !== undefined && phase(pod) !== "Succeeded")
  );
}

export function isTerminal(pod: KubeObject): boolean {
  return phase(pod) === "Succeeded" || phase(pod) === "Failed";
}

export function isReady(pod: KubeObject): boolean {
  const conditions = getPath(pod, "status", "conditions");
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => getPath(c, "type") === "Ready" && getPath(c, "status") === "True")
  );
}

export function num(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

/** The pod the Job controller creates from the template: `<job>-<5 chars>`, controller ref, tracking finalizer. */
export function podFromTemplate(job: KubeObject, template: JsonObject): KubeObject {
  const tmeta = (template["metadata"] ?? {}) as JsonObject;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace ?? "",
      labels: clone((tmeta["labels"] ?? {}) as Record<string, string>),
      ...(isObject(tmeta["annotations"])
        ? { annotations: clone(tmeta["annotations"] as Record<string, string>) }
        : {}),
      ownerReferences: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          name: job.metadata.name ?? "",
          uid: job.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec: clone(template["spec"] ?? {}),
  };
}

export function writeCounts(
  status: JsonObject,
  active: number,
  succeeded: number,
  failed: number,
  pods: KubeObject[],
  terminating: number,
): void {
  // JobStatus counters are omitempty; ready and terminating are pointers and always present.
  for (const [k, v] of [
    ["active", active],
    ["succeeded", succeeded],
    ["failed", failed],
  ] as const) {
    if (v > 0) status[k] = v;
    else delete status[k];
  }
  status["ready"] = pods.filter((p) => !p.metadata.deletionTimestamp && isReady(p)).length;
  status["terminating"] = terminating;
  status["uncountedTerminatedPods"] = {};
}
