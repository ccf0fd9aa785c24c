import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { AGENT_CONTAINER } from "@orchestrator/kube";
import { toMillis } from "./object-time.js";

/** Container names the agent runs under (the first match wins; otherwise the pod's first container). */
export const AGENT_CONTAINER_NAMES: readonly string[] = [
  AGENT_CONTAINER,
  "claude",
  "claude-code",
  "claude-docs",
];

/** Waiting reasons that mean the container cannot start without someone fixing something. */
const STUCK_WAITING_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "CrashLoopBackOff",
]);

/** The agent container's status in a pod, if the kubelet reported one. */
export function agentContainerStatus(pod: V1Pod): V1ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((s) => AGENT_CONTAINER_NAMES.includes(s.name)) ?? statuses[0];
}

/** The newest pod first: a Job may have replaced a pod that was deleted or evicted. */
export function newestFirst(pods: readonly V1Pod[]): V1Pod[] {
  return [...pods].sort(
    (a, b) => (toMillis(b.metadata?.creationTimestamp) ?? 0) - (toMillis(a.metadata?.creationTimestamp) ?? 0),
  );
}

export interface PendingDiagnosis {
  /** short CamelCase reason, e.g. `ImagePullBackOff`, `Unschedulable` */
  reason: string;
  message: string;
  /** the pod cannot start until something changes (bad image, no node fits, missing secret) */
  stuck: boolean;
}

/** Why a pod that exists is not running yet. */
export function diagnosePendingPod(pod: V1Pod): PendingDiagnosis {
  const name = pod.metadata?.name ?? "pod";
  const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of containers) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
      const detail = waiting.message ? `: ${waiting.message}` : "";
      return { reason: waiting.reason, message: `${waiting.reason}${detail}`, stuck: true };
    }
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") {
    const reason = scheduled.reason ?? "Unschedulable";
    const detail = scheduled.message ? `: ${scheduled.message}` : "";
    return { reason, message: `pod ${name} cannot be scheduled${detail}`, stuck: true };
  }
  const creating = containers.find((s) => s.state?.waiting?.reason);
  if (creating?.state?.waiting?.reason) {
    return {
      reason: creating.state.waiting.reason,
      message: `pod ${name}: ${creating.state.waiting.reason}`,
      stuck: false,
    };
  }
  return { reason: "PodPending", message: `pod ${name} is ${pod.status?.phase ?? "Pending"}`, stuck: false };
}

/** Terminated reasons of a container that never ran its command. */
const NEVER_STARTED_REASONS = new Set(["ContainerCannotRun", "StartError", "CreateContainerError"]);

/**
 * Whether the agent container has ever run in this pod: a fact from its container state (running, or
 * terminated with an exit code after starting), never from which pod phases happened to be observed.
 */
export function agentContainerStarted(pod: V1Pod): boolean {
  const status = agentContainerStatus(pod);
  if (status?.state?.running) return true;
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  if (terminated) return !NEVER_STARTED_REASONS.has(terminated.reason ?? "");
  return pod.status?.phase === "Succeeded";
}

/** Whether the agent has started in this pod (running, or already finished). */
export function podStarted(pod: V1Pod): boolean {
  const status = agentContainerStatus(pod);
  if (status?.state?.running || status?.state?.terminated) return true;
  return (
    pod.status?.phase === "Running" || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed"
  );
}

export interface PodFailure {
  reason: "OOMKilled" | "Evicted" | "PodDeleted" | "ExitCode" | "PodFailed";
  message: string;
  exitCode?: number;
  /** the termination message the agent wrote (JSON result, or a log tail with FallbackToLogsOnError) */
  terminationMessage?: string;
}

const DISRUPTION_REASONS: Record<string, string> = {
  EvictionByEvictionAPI: "evicted",
  PreemptionByScheduler: "preempted by a higher-priority pod",
  DeletionByTaintManager: "deleted because its node became unavailable",
  DeletionByPodGC: "deleted by the pod garbage collector (node lost)",
  TerminationByKubelet: "terminated by the kubelet (node pressure or shutdown)",
};

/** Why a pod ended without success, from the most specific signal Kubernetes gives. */
export function diagnoseFailedPod(pod: V1Pod): PodFailure | undefined {
  const name = pod.metadata?.name ?? "pod";
  const status = agentContainerStatus(pod);
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  const terminationMessage = terminated?.message || undefined;
  const withMessage = (failure: PodFailure): PodFailure =>
    terminationMessage ? { ...failure, terminationMessage } : failure;
  if (terminated?.reason === "OOMKilled") {
    const limit = memoryLimit(pod, status?.name);
    const detail = limit ? ` (memory limit ${limit})` : "";
    return withMessage({
      reason: "OOMKilled",
      message: `agent was OOMKilled${detail}`,
      exitCode: terminated.exitCode,
    });
  }
  if (pod.status?.reason === "Evicted") {
    return withMessage({
      reason: "Evicted",
      message: `pod ${name} was evicted: ${pod.status.message ?? "node pressure"}`,
    });
  }
  const disruption = pod.status?.conditions?.find(
    (c) => c.type === "DisruptionTarget" && c.status === "True",
  );
  if (disruption) {
    const what = DISRUPTION_REASONS[disruption.reason ?? ""] ?? "disrupted";
    const reason =
      disruption.reason === "EvictionByEvictionAPI" || disruption.reason === "TerminationByKubelet"
        ? "Evicted"
        : "PodDeleted";
    return withMessage({
      reason,
      message: `pod ${name} was ${what}${disruption.message ? `: ${disruption.message}` : ""}`,
    });
  }
  // a deleted pod's agent is stopped with SIGTERM/SIGKILL: the deletion, not the exit code, is the cause
  if (pod.metadata?.deletionTimestamp && terminated?.exitCode !== 0) {
    return { reason: "PodDeleted", message: `pod ${name} was deleted before the agent finished` };
  }
  if (terminated && terminated.exitCode !== 0) {
    return withMessage({
      reason: "ExitCode",
      message: exitCodeMessage(terminated.exitCode, terminated.signal),
      exitCode: terminated.exitCode,
    });
  }
  if (pod.status?.phase === "Failed") {
    return withMessage({
      reason: "PodFailed",
      message: `pod ${name} failed${pod.status.message ? `: ${pod.status.message}` : ""}`,
    });
  }
  return undefined;
}

function exitCodeMessage(code: number, signal?: number): string {
  if (signal) return `agent was killed by signal ${signal} (exit code ${code})`;
  if (code === 137) return "agent was killed (SIGKILL, exit code 137)";
  if (code === 143) return "agent was terminated (SIGTERM, exit code 143)";
  return `agent exited with code ${code}`;
}

function memoryLimit(pod: V1Pod, container: string | undefined): string | undefined {
  const spec = pod.spec?.containers.find((c) => c.name === container) ?? pod.spec?.containers[0];
  const limit = spec?.resources?.limits?.memory;
  return limit === undefined ? undefined : String(limit);
}
