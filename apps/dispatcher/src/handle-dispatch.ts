import { type DispatchJob, isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { TypedJob } from "@orchestrator/queue";
import { PermanentDispatchError } from "@orchestrator/runtime";
import { UnrecoverableError } from "bullmq";
import { type DispatcherContext, isDispatchedPhase } from "./dispatcher-context.js";
import type { DispatchOutcome } from "./dispatcher-metrics.js";
import type { SlotKeeper } from "./slot-keeper.js";

export type DispatchHandlerResult =
  | { outcome: "dispatched"; links: RunRecord["links"] }
  | { outcome: "waiting"; reason: string }
  | { outcome: "skipped"; reason: string }
  | { outcome: "cancelled" };

function describeLinks(links: RunRecord["links"]): string {
  if (links.job) return `created Job ${links.job} in namespace ${links.namespace ?? "?"}`;
  if (links.localDir) return `started local process in ${links.localDir}`;
  return "dispatched";
}

/**
 * One dispatch job: take a concurrency slot (or wait for one in Queued), make the run real through
 * the runtime, and move it to Dispatched. The job ends as soon as the objects exist; following the
 * agent is the watcher's. Permanent failures fail the run with the reason and stop retries.
 */
export function createDispatchHandler(ctx: DispatcherContext, slots: SlotKeeper, maxConcurrent: number) {
  const { runStore, runtime, limiter, metrics, log } = ctx;

  /**
   * Fails a run whose dispatch cannot succeed, unless its agent exists after all (then it is adopted).
   * Nothing is deleted: a Job with the run's name that is not the run's (conflict) belongs to someone else.
   */
  async function fail(run: RunRecord, message: string): Promise<void> {
    if (await slots.adopt(run)) return;
    await runStore.tryTransition(run.id, "Failed", message);
    await slots.release(run.id);
  }

  return async function handleDispatch(
    data: DispatchJob,
    job: TypedJob<"dispatch">,
  ): Promise<DispatchHandlerResult> {
    const run = await runStore.get(data.runId);
    if (!run) {
      log.warn({ runId: data.runId }, "dispatch for an unknown (expired) run; dropping it");
      return { outcome: "skipped", reason: "unknown run" };
    }
    const count = (outcome: DispatchOutcome) => metrics.dispatches.inc({ kind: run.kind, outcome });
    const runLog = log.child({ runId: run.id, kind: run.kind });

    if (isTerminalPhase(run.phase)) {
      // a cancelled or failed run must not hold or wait for a slot
      await slots.release(run.id);
      count("skipped");
      return { outcome: "skipped", reason: `run is ${run.phase}` };
    }
    if (isDispatchedPhase(run.phase)) {
      await limiter.dispatched(run.id);
      count("skipped");
      return { outcome: "skipped", reason: "already dispatched" };
    }

    const slot = await limiter.acquire({
      runId: run.id,
      service: run.request.kind === "code" ? run.request.service : undefined,
      createdAtMs: Date.parse(run.createdAt) || Date.now(),
      payload: data,
    });
    if (slot.status === "waiting") {
      const message =
        slot.reason === "workspace" && run.request.kind === "code"
          ? `waiting for workspace ${run.request.service}`
          : `waiting for a free slot (MAX_CONCURRENT_RUNS=${maxConcurrent})`;
      const moved = await runStore.tryTransition(run.id, "Queued", message);
      if (!moved) await slots.release(run.id); // it ended meanwhile
      runLog.info({ reason: slot.reason }, message);
      count("waiting");
      return { outcome: "waiting", reason: message };
    }

    const timer = metrics.duration.startTimer({ kind: run.kind });
    let links: RunRecord["links"];
    try {
      ({ links } = await runtime.dispatch(run, data.files));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof PermanentDispatchError) {
        runLog.warn({ reason: err.reason, err: { message } }, "dispatch failed permanently");
        await fail(run, message);
        count("failed");
        throw new UnrecoverableError(message);
      }
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        runLog.error({ err }, "dispatch failed on its last attempt");
        await fail(run, `dispatch failed after ${attempts} attempts: ${message}`);
        count("failed");
        throw new UnrecoverableError(message);
      }
      runLog.warn(
        { err: { name: (err as Error).name, message }, attempt: job.attemptsMade + 1 },
        "dispatch failed; will retry",
      );
      count("error");
      throw err;
    }
    timer();

    const moved = await runStore.tryTransition(run.id, "Dispatched", describeLinks(links), { links });
    if (!moved) {
      const current = await runStore.get(run.id);
      if (current && isDispatchedPhase(current.phase)) {
        // a parallel or redelivered copy of this message won: the run is healthy and keeps its slot
        await limiter.dispatched(run.id);
        runLog.info({ phase: current.phase }, "another delivery dispatched the run first");
        count("skipped");
        return { outcome: "skipped", reason: "already dispatched" };
      }
      const linked = { ...(current ?? run), links: { ...run.links, ...links } };
      const agent = await runtime.inspect(linked);
      if (
        current &&
        current.phase !== "Cancelled" &&
        (agent.state === "succeeded" || agent.state === "failed")
      ) {
        // the watcher recorded the agent's own outcome first: keep the Job (the janitor removes it)
        runLog.info(
          { phase: current.phase, agent: agent.state },
          "run finished before its dispatch was recorded",
        );
        await slots.release(run.id);
        count("skipped");
        return { outcome: "skipped", reason: `run is ${current.phase}` };
      }
      // it was cancelled (or expired) while the objects were being created: take them down again
      runLog.info({ phase: current?.phase }, "run ended during dispatch; stopping what was created");
      await runtime.cancel(linked);
      await slots.release(run.id);
      count("cancelled");
      return { outcome: "cancelled" };
    }
    if (moved.runtime !== runtime.kind)
      await runStore.update(run.id, (r) => ({ ...r, runtime: runtime.kind }));
    await limiter.dispatched(run.id);
    runLog.info({ links }, "dispatched");
    count("dispatched");
    return { outcome: "dispatched", links };
  };
}
