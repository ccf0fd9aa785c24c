import type { PodOutcome } from "./pod-outcome.js";

export type PodStage =
  | "scheduling"
  | "unschedulable"
  | "creating"
  | "configError"
  | "pullError"
  | "pullBackOff"
  | "running"
  | "backoff"
  | "killing"
  | "terminated"
  | "removing";

/** What the simulated kubelet remembers about one pod. */
export interface PodRuntime {
  uid: string;
  namespace: string;
  name: string;
  outcome: PodOutcome;
  configError?: string | undefined;
  /** Container the outcome applies to. */
  target: string;
  stage: PodStage;
  /** When the next transition is due (ms epoch; Infinity = never by itself). */
  nextAt: number;
  /** Start of the current container run. */
  runStartMs: number;
  runStartedAt: string;
  /** When the pod was bound and started (for pod-level activeDeadlineSeconds). */
  podStartMs?: number | undefined;
  restarts: number;
  logsEmitted: number;
  /** Set when a graceful deletion caught the containers running (exit 143 rather than never started). */
  killedWhileRunning?: boolean;
  podIP: string;
}

export interface KubeletTimings {
  /** Pending (unscheduled) → scheduled. */
  scheduleDelayMs: number;
  /** ContainerCreating (image pull) → Running, unless the outcome sets startDelayMs. */
  startDelayMs: number;
  /** Running → exited, unless the outcome sets durationMs. */
  runDurationMs: number;
  /** ErrImagePull → ImagePullBackOff. */
  imagePullBackOffMs: number;
  /** Graceful deletion: containers stopped this long after the deletionTimestamp appears. */
  terminationDelayMs: number;
}

export const DEFAULT_KUBELET_TIMINGS: KubeletTimings = {
  scheduleDelayMs: 5,
  startDelayMs: 15,
  runDurationMs: 30,
  imagePullBackOffMs: 30,
  terminationDelayMs: 10,
};
