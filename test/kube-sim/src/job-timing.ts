import { finishedCondition } from "./job-conditions.js";
import type { JobMemory } from "./ttl-after-finished.js";
import type { JsonObject } from "./types.js";

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff, in Kubernetes seconds. */
const BACKOFF_BASE_S = 10;
const BACKOFF_MAX_S = 360;

/** Delay before a Job with `failed` failed pods creates the next one, in Kubernetes seconds. */
export function backoffSeconds(failed: number): number {
  return Math.min(BACKOFF_BASE_S * 2 ** (failed - 1), BACKOFF_MAX_S);
}

/**
 * When a Job must be synced again although nothing about it changed: its activeDeadlineSeconds, the end
 * of the retry backoff, or its ttlSecondsAfterFinished (ms epoch; undefined = only on a change).
 */
export function nextWake(
  spec: JsonObject,
  status: JsonObject,
  mem: JobMemory,
  failed: number,
  msPerSecond: number,
): number | undefined {
  const at: number[] = [];
  if (!finishedCondition(status)) {
    const deadline = spec["activeDeadlineSeconds"];
    if (typeof deadline === "number" && mem.startMs !== undefined)
      at.push(mem.startMs + deadline * msPerSecond);
    if (failed > 0 && mem.lastFailureMs !== undefined)
      at.push(mem.lastFailureMs + backoffSeconds(failed) * msPerSecond);
  } else {
    const ttl = spec["ttlSecondsAfterFinished"];
    if (typeof ttl === "number" && mem.finishedMs !== undefined) at.push(mem.finishedMs + ttl * msPerSecond);
  }
  return at.length > 0 ? Math.min(...at) : undefined;
}
