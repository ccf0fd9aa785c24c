import { deleteObject } from "./delete-object.js";
import { finishedCondition } from "./job-conditions.js";
import { jobsType } from "./job-resource.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";

/** What the Job controller remembers per Job uid (precise times; status timestamps are whole seconds). */
export interface JobMemory {
  startMs?: number;
  finishedMs?: number;
  lastFailureMs?: number;
}

/**
 * The ttl-after-finished controller: `ttlSecondsAfterFinished` (scaled by timeScale) after a Job
 * finished it is deleted with Foreground propagation and a UID precondition, exactly as the real
 * controller does, so watchers see the Job get a deletionTimestamp, its pods go, then the Job.
 */
export function expireFinishedJob(
  ctx: SimContext,
  job: KubeObject,
  status: JsonObject,
  spec: JsonObject,
  mem: JobMemory,
  now: number,
): void {
  const ttl = spec["ttlSecondsAfterFinished"];
  const finished = finishedCondition(status);
  if (typeof ttl !== "number" || !finished) return;
  mem.finishedMs ??= Date.parse(String(finished["lastTransitionTime"]));
  if (now < mem.finishedMs + ttl * ctx.msPerSecond) return;
  deleteObject(
    ctx,
    jobsType,
    job.metadata.namespace,
    job.metadata.name ?? "",
    { propagationPolicy: "Foreground", preconditions: { uid: job.metadata.uid ?? "" } },
    { internal: true },
  );
}
