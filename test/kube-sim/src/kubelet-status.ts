import { k8sTime } from "./json-utils.js";
import type { PodRuntime } from "./kubelet-runtime.js";
import {
  type ContainerInfo,
  containerId,
  containerStatus,
  findContainerStatus,
  notReadyMessage,
  setCondition,
} from "./pod-status.js";
import type { JsonObject } from "./types.js";

/** Status mutations for each kubelet transition; each takes the pod's status object and edits it. */

export function markScheduledPending(status: JsonObject, containers: ContainerInfo[], rt: PodRuntime): void {
  setCondition(status, "PodReadyToStartContainers", "False");
  setCondition(status, "Initialized", "True");
  setCondition(status, "Ready", "False", "ContainersNotReady", notReadyMessage(containers));
  setCondition(status, "ContainersReady", "False", "ContainersNotReady", notReadyMessage(containers));
  setCondition(status, "PodScheduled", "True");
  status["phase"] = "Pending";
  status["hostIP"] = "10.0.0.10";
  status["hostIPs"] = [{ ip: "10.0.0.10" }];
  status["startTime"] ??= k8sTime(rt.podStartMs);
  status["containerStatuses"] = containers.map((c) =>
    containerStatus(c, {
      state: { waiting: { reason: "ContainerCreating" } },
      ready: false,
      started: false,
      restartCount: 0,
    }),
  );
}

export function markWaiting(
  status: JsonObject,
  containers: ContainerInfo[],
  target: string,
  reason: string,
  message: string,
): void {
  status["containerStatuses"] = containers.map((c) => {
    const prev = findContainerStatus(status, c.name);
    const state =
      c.name === target ? { waiting: { reason, message } } : ((prev?.["state"] as JsonObject) ?? {});
    return containerStatus(c, {
      state,
      ready: false,
      started: false,
      restartCount: Number(prev?.["restartCount"] ?? 0),
      lastState: prev?.["lastState"] as JsonObject | undefined,
      containerID: prev?.["containerID"] as string | undefined,
    });
  });
}

export function markRunning(status: JsonObject, containers: ContainerInfo[], rt: PodRuntime): void {
  status["phase"] = "Running";
  status["podIP"] = rt.podIP;
  status["podIPs"] = [{ ip: rt.podIP }];
  setCondition(status, "PodReadyToStartContainers", "True");
  setCondition(status, "Ready", "True");
  setCondition(status, "ContainersReady", "True");
  status["containerStatuses"] = containers.map((c) => {
    const prev = findContainerStatus(status, c.name);
    return containerStatus(c, {
      state: { running: { startedAt: rt.runStartedAt } },
      ready: true,
      started: true,
      restartCount: rt.restarts,
      lastState: prev?.["lastState"] as JsonObject | undefined,
      containerID: containerId(rt.uid, c.name, rt.restarts),
    });
  });
}

export interface Termination {
  exitCode: number;
  reason: string;
  message?: string | undefined;
}

function terminated(rt: PodRuntime, c: ContainerInfo, t: Termination, started: boolean): JsonObject {
  const now = k8sTime();
  const state: JsonObject = {
    exitCode: t.exitCode,
    reason: t.reason,
    startedAt: started ? rt.runStartedAt : now,
    finishedAt: now,
  };
  if (t.message) state["message"] = t.message;
  if (started) state["containerID"] = containerId(rt.uid, c.name, rt.restarts);
  return state;
}

/** All containers exited; `others` applies to the non-target containers. */
export function markTerminated(
  status: JsonObject,
  containers: ContainerInfo[],
  rt: PodRuntime,
  target: Termination,
  others: Termination,
  started: boolean,
): void {
  const failed = target.exitCode !== 0 || others.exitCode !== 0;
  status["phase"] = failed ? "Failed" : "Succeeded";
  const why = failed ? "PodFailed" : "PodCompleted";
  setCondition(status, "PodReadyToStartContainers", "False");
  setCondition(status, "Ready", "False", why);
  setCondition(status, "ContainersReady", "False", why);
  status["containerStatuses"] = containers.map((c) => {
    const prev = findContainerStatus(status, c.name);
    const t = c.name === rt.target ? target : others;
    return containerStatus(c, {
      state: { terminated: terminated(rt, c, t, started) },
      ready: false,
      started: false,
      restartCount: rt.restarts,
      lastState: prev?.["lastState"] as JsonObject | undefined,
      containerID: started ? containerId(rt.uid, c.name, rt.restarts) : undefined,
    });
  });
}

/** restartPolicy OnFailure/Always: the container exited and waits in CrashLoopBackOff. */
export function markCrashLoop(
  status: JsonObject,
  containers: ContainerInfo[],
  rt: PodRuntime,
  t: Termination,
  backoffSeconds: number,
  podRef: string,
): void {
  setCondition(status, "Ready", "False", "ContainersNotReady", notReadyMessage(containers));
  setCondition(status, "ContainersReady", "False", "ContainersNotReady", notReadyMessage(containers));
  status["containerStatuses"] = containers.map((c) => {
    const prev = findContainerStatus(status, c.name);
    if (c.name !== rt.target) return prev ?? {};
    return containerStatus(c, {
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off ${backoffSeconds}s restarting failed container=${c.name} pod=${podRef}`,
        },
      },
      ready: false,
      started: false,
      restartCount: rt.restarts + 1,
      lastState: { terminated: terminated(rt, c, t, true) },
      containerID: containerId(rt.uid, c.name, rt.restarts),
    });
  });
}
