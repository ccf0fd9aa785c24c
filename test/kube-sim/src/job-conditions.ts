import { asArray, isObject, k8sTime } from "./json-utils.js";
import type { JsonObject } from "./types.js";

export const JobCondition = {
  Complete: "Complete",
  Failed: "Failed",
  SuccessCriteriaMet: "SuccessCriteriaMet",
  FailureTarget: "FailureTarget",
  Suspended: "Suspended",
} as const;

export interface ConditionReason {
  reason: string;
  message: string;
}

export const JobReason = {
  completions: { reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
  backoff: { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
  deadline: { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" },
  suspended: { reason: "JobSuspended", message: "Job suspended" },
  resumed: { reason: "JobResumed", message: "Job resumed" },
} as const;

export function findCondition(status: JsonObject, type: string): JsonObject | undefined {
  return asArray(status["conditions"])
    .filter(isObject)
    .find((c) => c["type"] === type);
}

export function hasTrueCondition(status: JsonObject, type: string): boolean {
  return findCondition(status, type)?.["status"] === "True";
}

/** Adds or updates a job condition (JobCondition carries lastProbeTime and lastTransitionTime). */
export function setJobCondition(
  status: JsonObject,
  type: string,
  value: "True" | "False",
  why: ConditionReason,
): void {
  const conditions = asArray(status["conditions"]).filter(isObject);
  const existing = conditions.find((c) => c["type"] === type);
  const now = k8sTime();
  if (existing) {
    if (existing["status"] !== value) existing["lastTransitionTime"] = now;
    existing["status"] = value;
    existing["lastProbeTime"] = now;
    existing["reason"] = why.reason;
    existing["message"] = why.message;
  } else {
    conditions.push({
      type,
      status: value,
      lastProbeTime: now,
      lastTransitionTime: now,
      reason: why.reason,
      message: why.message,
    });
  }
  status["conditions"] = conditions;
}

/** Jobs are finished once they carry Complete=True or Failed=True. */
export function finishedCondition(status: JsonObject): JsonObject | undefined {
  return asArray(status["conditions"])
    .filter(isObject)
    .find(
      (c) =>
        (c["type"] === JobCondition.Complete || c["type"] === JobCondition.Failed) && c["status"] === "True",
    );
}
