import { asArray, isObject, k8sTime } from "./json-utils.js";
import type { JsonObject, KubeObject } from "./types.js";

/** The order in which the kubelet reports pod conditions. */
const CONDITION_ORDER = [
  "DisruptionTarget",
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
];

export interface ContainerInfo {
  name: string;
  image: string;
}

export function podContainers(pod: KubeObject): ContainerInfo[] {
  const spec = isObject(pod["spec"]) ? pod["spec"] : {};
  return asArray(spec["containers"])
    .filter(isObject)
    .map((c) => ({ name: String(c["name"] ?? ""), image: String(c["image"] ?? "") }));
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(
  status: JsonObject,
  type: string,
  value: "True" | "False",
  reason?: string,
  message?: string,
): void {
  const conditions = asArray(status["conditions"]).filter(isObject);
  let cond = conditions.find((c) => c["type"] === type);
  if (!cond) {
    cond = { type, status: value, lastProbeTime: null, lastTransitionTime: k8sTime() };
    conditions.push(cond);
  } else if (cond["status"] !== value) {
    cond["status"] = value;
    cond["lastTransitionTime"] = k8sTime();
  }
  if (reason) cond["reason"] = reason;
  else delete cond["reason"];
  if (message) cond["message"] = message;
  else delete cond["message"];
  conditions.sort(
    (a, b) => CONDITION_ORDER.indexOf(String(a["type"])) - CONDITION_ORDER.indexOf(String(b["type"])),
  );
  status["conditions"] = conditions;
}

export function containerId(podUid: string, container: string, restarts: number): string {
  const hex = Buffer.from(`${podUid}/${container}/${restarts}`).toString("hex").padEnd(64, "0").slice(0, 64);
  return `containerd://${hex}`;
}

export function imageId(image: string): string {
  const digest = Buffer.from(image).toString("hex").padEnd(64, "0").slice(0, 64);
  const repo = image.split(":")[0] ?? image;
  return `${repo.includes("/") ? repo : `docker.io/library/${repo}`}@sha256:${digest}`;
}

export interface ContainerStatusInput {
  state: JsonObject;
  ready: boolean;
  started: boolean;
  restartCount: number;
  lastState?: JsonObject | undefined;
  containerID?: string | undefined;
}

export function containerStatus(c: ContainerInfo, input: ContainerStatusInput): JsonObject {
  const out: JsonObject = {
    name: c.name,
    image: c.image,
    imageID: input.containerID ? imageId(c.image) : "",
    ready: input.ready,
    restartCount: input.restartCount,
    started: input.started,
    state: input.state,
    lastState: input.lastState ?? {},
  };
  if (input.containerID) out["containerID"] = input.containerID;
  return out;
}

/** Existing status of one container (to carry restartCount/lastState forward). */
export function findContainerStatus(status: JsonObject, name: string): JsonObject | undefined {
  return asArray(status["containerStatuses"])
    .filter(isObject)
    .find((s) => s["name"] === name);
}

export function notReadyMessage(containers: ContainerInfo[]): string {
  return `containers with unready status: [${containers.map((c) => c.name).join(" ")}]`;
}
