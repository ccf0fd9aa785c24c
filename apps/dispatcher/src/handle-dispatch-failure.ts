import { isTerminalPhase } from "@orchestrator/contracts";
import type { TypedJob } from "@orchestrator/queue";
import { type DispatcherContext, isDispatchedPhase } from "./dispatcher-context.js";
import type { SlotKeeper } from "./slot-keeper.js";

function runIdOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const runId = (data as { runId?: unknown }).runId;
  return typeof runId === "string" && runId !== "" ? runId : undefined;
}

/** BullMQ's reason for a job whose worker died more often than `maxStalledCount` allows. */
export const STALLED_REASON = "job stalled more than allowable limit";

/** A failure BullMQ will not retry: UnrecoverableError, a stall past the limit, or the last attempt. */
export function isFinalFailure(
  job: Pick<TypedJob<"dispatch">, "attemptsMade" | "opts">,
  err: Error,
): boolean {
  return (
    err.name === "UnrecoverableError" ||
    err.message === STALLED_REASON ||
    job.attemptsMade >= (job.opts.attempts ?? 1)
  );
}

/**
 * Listener for the dispatch worker's `failed` event. The handler fails runs whose dispatch it sees
 * fail; this catches the rest — a Redis error after the objects exist, a payload that does not parse —
 * so no run stays in Rendering holding a concurrency slot once its dispatch job is given up. Runs
 * whose objects exist, or that wait for a slot with their message kept, are left alone. Nothing is
 * failed without asking the runtime first: an agent that exists is adopted. A job given up because
 * dispatcher processes died under it (stalled) is put back on the queue: the crash was not the run's.
 */
export function createDispatchFailureHandler(ctx: DispatcherContext, slots: SlotKeeper) {
  const { runStore, limiter, dispatchQueue, log } = ctx;

  return async function onDispatchFailed(job: TypedJob<"dispatch"> | undefined, err: Error): Promise<void> {
    if (!job || !isFinalFailure(job, err)) return;
    const runId = runIdOf(job.data);
    if (!runId) {
      log.error({ jobId: job.id, err: { message: err.message } }, "dispatch job without a run id failed");
      return;
    }
    const run = await runStore.get(runId);
    if (!run || isTerminalPhase(run.phase)) {
      // the handler already failed it (or it ended otherwise): make sure the slot is free
      await slots.release(runId);
      return;
    }
    if (isDispatchedPhase(run.phase)) return;
    if ((await limiter.waiting()).some((w) => w.runId === runId)) return;
    if (await slots.adopt(run)) return;
    if (err.message === STALLED_REASON) {
      log.warn(
        { runId, jobId: job.id },
        "dispatch job stalled past its limit (dispatchers died); queueing it again",
      );
      await job.remove().catch(() => {});
      await dispatchQueue.add("dispatch", job.data, { jobId: job.id ?? runId });
      return;
    }
    const attempts = job.opts.attempts ?? 1;
    const reason =
      err.name === "UnrecoverableError" || attempts <= 1
        ? `dispatch failed: ${err.message}`
        : `dispatch failed after ${attempts} attempts: ${err.message}`;
    log.error(
      { runId, jobId: job.id, err: { name: err.name, message: err.message } },
      "dispatch job gave up",
    );
    await slots.fail(run, reason);
  };
}
