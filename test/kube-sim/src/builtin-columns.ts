import { age } from "./human-duration.js";
import { asArray, getPath, isObject } from "./json-utils.js";
import type { KubeObject } from "./types.js";

/** A column of a built-in table printer (pkg/printers/internalversion/printers.go). */
export interface BuiltinColumn {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  description: string;
  cell: (obj: KubeObject) => unknown;
}

const col = (name: string, cell: BuiltinColumn["cell"], priority = 0, type = "string"): BuiltinColumn => ({
  name,
  type,
  priority,
  description: `${name} (as printed by the API server for this kind)`,
  cell,
});
const ageColumn = col("Age", (o) => age(o.metadata.creationTimestamp));
const str = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const count = (v: unknown): number => (isObject(v) ? Object.keys(v).length : 0);

function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  return asArray(getPath(pod, "status", "containerStatuses")).filter(isObject);
}

/** The STATUS column of `kubectl get pods` (printPod): phase, else the reason a container is stuck in. */
export function podStatus(pod: KubeObject): string {
  let reason = str(getPath(pod, "status", "reason")) || str(getPath(pod, "status", "phase"));
  const inits = asArray(getPath(pod, "status", "initContainerStatuses")).filter(isObject);
  let initializing = false;
  inits.forEach((s, i) => {
    const term = getPath(s, "state", "terminated");
    if (isObject(term) && term["exitCode"] === 0) return;
    if (initializing) return;
    initializing = true;
    const waiting = str(getPath(s, "state", "waiting", "reason"));
    if (isObject(term)) reason = `Init:${str(term["reason"]) || `ExitCode:${str(term["exitCode"])}`}`;
    else if (waiting && waiting !== "PodInitializing") reason = `Init:${waiting}`;
    else reason = `Init:${i}/${inits.length}`;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const s of [...containerStatuses(pod)].reverse()) {
      const waiting = str(getPath(s, "state", "waiting", "reason"));
      const term = getPath(s, "state", "terminated");
      if (waiting) reason = waiting;
      else if (isObject(term)) {
        const signal = term["signal"];
        reason =
          str(term["reason"]) || (signal ? `Signal:${str(signal)}` : `ExitCode:${str(term["exitCode"])}`);
      } else if (getPath(s, "ready") === true && isObject(getPath(s, "state", "running"))) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) reason = "Running";
  }
  if (pod.metadata.deletionTimestamp)
    reason = getPath(pod, "status", "reason") === "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

function podReady(pod: KubeObject): string {
  const total = asArray(getPath(pod, "spec", "containers")).length;
  const ready = containerStatuses(pod).filter((s) => s["ready"] === true).length;
  return `${ready}/${total}`;
}

function podRestarts(pod: KubeObject): string {
  let restarts = 0;
  let last = "";
  for (const s of containerStatuses(pod)) {
    restarts += typeof s["restartCount"] === "number" ? s["restartCount"] : 0;
    const finished = getPath(s, "lastState", "terminated", "finishedAt");
    if (typeof finished === "string" && finished > last) last = finished;
  }
  return last ? `${restarts} (${age(last)} ago)` : String(restarts);
}

function jobStatus(job: KubeObject): string {
  const conditions = asArray(getPath(job, "status", "conditions")).filter(isObject);
  const isTrue = (type: string) => conditions.some((c) => c["type"] === type && c["status"] === "True");
  if (isTrue("Complete")) return "Complete";
  if (isTrue("Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (isTrue("FailureTarget") || isTrue("SuccessCriteriaMet"))
    return isTrue("FailureTarget") ? "FailureTarget" : "SuccessCriteriaMet";
  if (isTrue("Suspended")) return "Suspended";
  return "Running";
}

function jobDuration(job: KubeObject): string {
  const start = getPath(job, "status", "startTime");
  if (typeof start !== "string") return "";
  const end = getPath(job, "status", "completionTime");
  const endMs = typeof end === "string" ? Date.parse(end) : Date.now();
  return age(start, endMs);
}

function images(obj: KubeObject, ...path: string[]): string {
  return asArray(getPath(obj, ...path, "containers"))
    .map((c) => str(getPath(c, "image")))
    .join(",");
}

/** Columns after NAME for the built-in kinds kube-sim serves (others get NAME and AGE). */
export const BUILTIN_COLUMNS: Record<string, BuiltinColumn[]> = {
  Pod: [
    col("Ready", podReady),
    col("Status", podStatus),
    col("Restarts", podRestarts),
    ageColumn,
    col("IP", (o) => str(getPath(o, "status", "podIP")) || "<none>", 1),
    col("Node", (o) => str(getPath(o, "spec", "nodeName")) || "<none>", 1),
  ],
  Job: [
    col("Status", jobStatus),
    col(
      "Completions",
      (o) => `${str(getPath(o, "status", "succeeded")) || 0}/${str(getPath(o, "spec", "completions")) || 1}`,
    ),
    col("Duration", jobDuration),
    ageColumn,
    col(
      "Containers",
      (o) =>
        asArray(getPath(o, "spec", "template", "spec", "containers"))
          .map((c) => str(getPath(c, "name")))
          .join(","),
      1,
    ),
    col("Images", (o) => images(o, "spec", "template", "spec"), 1),
  ],
  ConfigMap: [col("Data", (o) => count(o["data"]) + count(o["binaryData"]), 0, "integer"), ageColumn],
  Secret: [col("Type", (o) => str(o["type"])), col("Data", (o) => count(o["data"]), 0, "integer"), ageColumn],
  Namespace: [col("Status", (o) => str(getPath(o, "status", "phase"))), ageColumn],
  PersistentVolumeClaim: [
    col("Status", (o) => str(getPath(o, "status", "phase"))),
    col("Volume", (o) => str(getPath(o, "spec", "volumeName"))),
    ageColumn,
  ],
  Event: [
    col("Last Seen", (o) => age(o["lastTimestamp"] ?? o["eventTime"] ?? o.metadata.creationTimestamp)),
    col("Type", (o) => str(o["type"])),
    col("Reason", (o) => str(o["reason"])),
    col(
      "Object",
      (o) =>
        `${str(getPath(o, "involvedObject", "kind")).toLowerCase()}/${str(getPath(o, "involvedObject", "name"))}`,
    ),
    col("Message", (o) => str(o["message"])),
  ],
  CustomResourceDefinition: [col("Created At", (o) => str(o.metadata.creationTimestamp), 0, "date")],
};
