import type { QUEUES } from "@orchestrator/contracts";
import type { TypedJob, TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";

/** BullMQ's reason for a job whose worker died more often than `maxStalledCount` allows. */
export const STALLED_REASON = "job stalled more than allowable limit";

export interface RenderFailureDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  dispatchQueue: TypedQueue<typeof QUEUES.dispatch>;
  log: Logger;
}

/**
 * Listener for the render worker's `failed` event. Only a render that failed for its own reasons
 * (a permanent error, or transient errors on every attempt) fails the run. A job given up because
 * renderer processes died under it (stalled) says nothing about the run: it is rendered again (renders
 * are idempotent), and a run that was already rendered (its dispatch job exists) or moved on is left alone.
 */
export function createRenderFailureHandler(deps: RenderFailureDeps) {
  return async function onRenderFailed(job: TypedJob<"render"> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const permanent = err.name === "UnrecoverableError";
    const stalled = err.message === STALLED_REASON;
    if (!permanent && !stalled && job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const runId = (job.data as { runId?: unknown } | undefined)?.runId;
    if (typeof runId !== "string") return;
    const run = await deps.runStore.get(runId);
    if (!run || (run.phase !== "Queued" && run.phase !== "Rendering")) return;
    if (!permanent && (await deps.dispatchQueue.getJob(runId))) return; // rendered before the crash
    const log = deps.log.child({ runId });
    if (stalled) {
      log.warn("render job stalled past its limit (renderer processes died); rendering it again");
      await job.remove().catch(() => {});
      await deps.renderQueue.add("render", { runId }, { jobId: runId });
      return;
    }
    const reason = permanent
      ? err.message
      : `render failed after ${job.attemptsMade} attempts: ${err.message}`;
    await deps.runStore.tryTransition(runId, "Failed", reason);
  };
}
