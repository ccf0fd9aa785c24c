import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { formatDuration, parseRunResult, type RunResult } from "@orchestrator/contracts";
import { logTailOf, shortReason } from "../logs/log-tail.js";
import { toMillis } from "./object-time.js";
import {
  agentContainerStarted,
  agentContainerStatus,
  diagnoseFailedPod,
  diagnosePendingPod,
  newestFirst,
  podStarted,
} from "./pod-diagnosis.js";

export type ObservedPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Cancelled";

export interface JobObservationInput {
  job: V1Job;
  /** the run's pods, in any order */
  pods: readonly V1Pod[];
  /** epoch ms */
  now: number;
  /** a run whose agent has not started this long after the Job was created fails, ms */
  pendingTimeoutMs: number;
  /** someone asked for the run to be cancelled: a failure is reported as Cancelled */
  cancelRequested: boolean;
  /** name of a pod of this run that was deleted while the agent was still working */
  deletedPod?: string | undefined;
  /** why the Job has no pod yet (FailedCreate events: quota, admission webhooks) */
  jobEventMessage?: string | undefined;
}

export interface JobObservation {
  phase: ObservedPhase;
  /** short CamelCase reason, used for CR conditions (`OOMKilled`, `DeadlineExceeded`, …) */
  reason: string;
  /**
   * human-readable and short, for the run record, the CR and the GitHub comment: a phase, an exit
   * code, OOMKilled, a deadline, the script's own `reason` — never raw agent output
   */
  message: string;
  podName?: string;
  result?: RunResult;
  /** the agent's last output lines (secrets redacted), from a plain-text termination message */
  logTail?: string;
  /** a failure without the agent's output: the caller may read the log tail for the run record */
  wantsLogTail: boolean;
  /** pending past the timeout: the Job should be deleted so it cannot start later */
  pendingTimedOut: boolean;
  /** epoch ms at which a pending run times out */
  pendingDeadline?: number;
  /** the agent container was seen started or finished in one of the pods (a fact, for retries) */
  agentStarted: boolean;
}

type JobOutcome =
  | { outcome: "succeeded" }
  | { outcome: "failed"; reason: string; message: string }
  | undefined;

/** Whether Kubernetes considers the Job finished, and how. */
export function jobOutcome(job: V1Job): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  if (isTrue("Complete") || isTrue("SuccessCriteriaMet")) return { outcome: "succeeded" };
  const failed = isTrue("Failed") ?? isTrue("FailureTarget");
  if (failed)
    return { outcome: "failed", reason: failed.reason ?? "JobFailed", message: failed.message ?? "" };
  const active = job.status?.active ?? 0;
  if (active === 0 && (job.status?.succeeded ?? 0) >= (job.spec?.completions ?? 1))
    return { outcome: "succeeded" };
  if (active === 0 && (job.status?.failed ?? 0) > (job.spec?.backoffLimit ?? 6)) {
    return {
      outcome: "failed",
      reason: "BackoffLimitExceeded",
      message: "the Job reached its backoff limit",
    };
  }
  return undefined;
}

/**
 * Maps a run's Job and pods to the run phase, with the most specific reason Kubernetes offers:
 * pending (image pull, scheduling, quota), running, or finished (agent result, OOMKilled, deadline,
 * eviction, exit code, deleted pod). Pure: every input is given, including the time.
 */
export function observeJob(input: JobObservationInput): JobObservation {
  return { ...observePhase(input), agentStarted: input.pods.some(agentContainerStarted) };
}

function observePhase(input: JobObservationInput): Omit<JobObservation, "agentStarted"> {
  const pods = newestFirst(input.pods);
  const outcome = jobOutcome(input.job);
  const base = { wantsLogTail: false, pendingTimedOut: false };
  if (outcome?.outcome === "succeeded") {
    const pod = pods.find((p) => p.status?.phase === "Succeeded") ?? pods.find(terminated) ?? pods[0];
    const result = parseRunResult(terminationMessage(pod));
    const podName = pod?.metadata?.name;
    const named = { ...base, ...(podName ? { podName } : {}), ...(result ? { result } : {}) };
    if (result?.outcome === "failed") {
      return {
        ...named,
        phase: "Failed",
        reason: "AgentReportedFailure",
        message: `agent reported failure: ${result.reason ? shortReason(result.reason) : "no reason given"}`,
      };
    }
    const message = result?.pullRequestUrl ? `agent finished: ${result.pullRequestUrl}` : "agent finished";
    return { ...named, phase: "Succeeded", reason: "Completed", message };
  }
  if (outcome?.outcome === "failed") return observeFailure(input, pods, outcome);
  const started = pods.find(podStarted);
  if (started) {
    const podName = started.metadata?.name ?? "";
    return {
      ...base,
      phase: "Running",
      reason: "PodRunning",
      message: `agent running in pod ${podName}`,
      podName,
    };
  }
  if (input.job.spec?.suspend) {
    return { ...base, phase: "Pending", reason: "Suspended", message: "the Job is suspended" };
  }
  const pod = pods[0];
  const diagnosis = pod
    ? diagnosePendingPod(pod)
    : {
        reason: input.jobEventMessage ? "FailedCreate" : "NoPod",
        message: input.jobEventMessage ?? "waiting for the Job to create a pod",
      };
  const since = toMillis(input.job.metadata?.creationTimestamp) ?? input.now;
  const deadline = since + input.pendingTimeoutMs;
  const podName = pod?.metadata?.name;
  const named = { ...base, ...(podName ? { podName } : {}) };
  if (input.now >= deadline) {
    return {
      ...named,
      phase: "Failed",
      reason: "PendingTimeout",
      message: `pod did not start within ${formatDuration(input.pendingTimeoutMs)}: ${diagnosis.message}`,
      pendingTimedOut: true,
    };
  }
  return {
    ...named,
    phase: "Pending",
    reason: diagnosis.reason,
    message: diagnosis.message,
    pendingDeadline: deadline,
  };
}

function observeFailure(
  input: JobObservationInput,
  pods: V1Pod[],
  outcome: { reason: string; message: string },
): Omit<JobObservation, "agentStarted"> {
  const base = { wantsLogTail: false, pendingTimedOut: false };
  if (input.cancelRequested)
    return { ...base, phase: "Cancelled", reason: "Cancelled", message: "cancelled" };
  if (outcome.reason === "DeadlineExceeded") {
    const seconds = input.job.spec?.activeDeadlineSeconds;
    const limit = seconds ? ` of ${formatDuration(seconds * 1000)}` : "";
    const pod = pods[0]?.metadata?.name;
    return {
      ...base,
      ...(pod ? { podName: pod } : {}),
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: `run exceeded its deadline${limit}`,
    };
  }
  for (const pod of pods) {
    const failure = diagnoseFailedPod(pod);
    if (!failure) continue;
    const podName = pod.metadata?.name ?? "";
    const deleted =
      input.deletedPod === podName && failure.reason !== "OOMKilled" && failure.reason !== "Evicted";
    if (deleted || (input.deletedPod && failure.reason === "PodFailed")) break;
    const result = parseRunResult(failure.terminationMessage);
    // a termination message that is not JSON is the log tail (terminationMessagePolicy
    // FallbackToLogsOnError): kept for operators, never in the message that is posted publicly
    const logTail = result ? undefined : logTailOf(failure.terminationMessage);
    const detail = result?.reason ? shortReason(result.reason) : undefined;
    return {
      ...base,
      ...(result ? { result } : {}),
      ...(logTail ? { logTail } : {}),
      podName,
      phase: "Failed",
      reason: failure.reason,
      message: detail ? `${failure.message}: ${detail}` : failure.message,
      wantsLogTail: failure.reason === "ExitCode" && !detail && !logTail,
    };
  }
  if (input.deletedPod) {
    return {
      ...base,
      podName: input.deletedPod,
      phase: "Failed",
      reason: "PodDeleted",
      message: `pod ${input.deletedPod} was deleted before the agent finished`,
    };
  }
  const detail = outcome.message ? `: ${outcome.message}` : "";
  return {
    ...base,
    phase: "Failed",
    reason: outcome.reason,
    message: `job failed (${outcome.reason})${detail}`,
    wantsLogTail: pods.length > 0,
  };
}

function terminated(pod: V1Pod): boolean {
  return Boolean(agentContainerStatus(pod)?.state?.terminated);
}

function terminationMessage(pod: V1Pod | undefined): string | undefined {
  return pod ? agentContainerStatus(pod)?.state?.terminated?.message : undefined;
}
