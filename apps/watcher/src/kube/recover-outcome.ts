import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { RunResult } from "@orchestrator/contracts";
import type { RunStatus } from "@orchestrator/kube";
import { type JobObservation, observeJob } from "./observe-job.js";
import { agentContainerStatus, newestFirst } from "./pod-diagnosis.js";

/** Reason and message of a run whose Job vanished before its outcome could be read. */
export const OUTCOME_UNKNOWN = {
  reason: "OutcomeUnknown",
  message: (job: string) =>
    `outcome unknown: Job ${job} was removed before its result was recorded (JOB_TTL_SECONDS too short or the watcher was down)`,
} as const;

/**
 * The outcome of a run whose Job is gone, read from a pod that outlived it (a Job deleted with
 * orphan propagation, or pods not yet collected). Undefined while no pod has finished.
 */
export function outcomeFromPods(
  pods: readonly V1Pod[],
  now: number,
  deletedPod?: string,
): JobObservation | undefined {
  const pod = newestFirst(pods).find(podEnded);
  if (!pod) return undefined;
  const terminated = agentContainerStatus(pod)?.state?.terminated;
  const succeeded =
    pod.status?.phase === "Succeeded" || (terminated !== undefined && terminated.exitCode === 0);
  // the pod alone says how the run ended: stand in a Job with the matching condition
  const job: V1Job = {
    metadata: { ...(pod.metadata?.namespace ? { namespace: pod.metadata.namespace } : {}) },
    status: {
      conditions: [
        succeeded
          ? { type: "Complete", status: "True" }
          : { type: "Failed", status: "True", reason: "PodFailed", message: "" },
      ],
    },
  };
  return observeJob({
    job,
    pods: [pod],
    now,
    pendingTimeoutMs: Number.POSITIVE_INFINITY,
    cancelRequested: false,
    deletedPod,
  });
}

/** Whether any pod of the run may still be working (its Job was deleted with orphan propagation). */
export function podStillWorking(pods: readonly V1Pod[]): boolean {
  return pods.some((pod) => !podEnded(pod) && !pod.metadata?.deletionTimestamp);
}

export interface RecordedOutcome {
  phase: "Succeeded" | "Failed" | "Cancelled";
  message: string;
  result?: RunResult;
}

/** The final phase a run's DocsRun/CodeRun status already shows for this run, if any. */
export function outcomeFromCustomResource(
  status: RunStatus | undefined,
  runId: string,
): RecordedOutcome | undefined {
  if (!status || status.runId !== runId) return undefined;
  const phase = status.phase;
  if (phase !== "Succeeded" && phase !== "Failed" && phase !== "Cancelled") return undefined;
  const result: RunResult = {
    ...(status.pullRequestUrl ? { pullRequestUrl: status.pullRequestUrl } : {}),
    ...(status.sessionId ? { sessionId: status.sessionId } : {}),
  };
  return {
    phase,
    message: status.message ?? `${phase.toLowerCase()} (from the custom resource's status)`,
    ...(Object.keys(result).length > 0 ? { result } : {}),
  };
}

function podEnded(pod: V1Pod): boolean {
  return (
    pod.status?.phase === "Succeeded" ||
    pod.status?.phase === "Failed" ||
    Boolean(agentContainerStatus(pod)?.state?.terminated)
  );
}
