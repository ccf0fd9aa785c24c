import { formatDuration, isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { JobState } from "bullmq";
import {
  type DispatcherContext,
  dispatchJobIds,
  isDispatchedPhase,
  promotedJobId,
} from "./dispatcher-context.js";

export interface SlotKeeperOptions {
  /**
   * How long a run may hold a slot in Queued/Rendering with neither a live dispatch job nor a kept
   * dispatch message before the reconciler fails it (STUCK_DISPATCH_GRACE), in ms.
   */
  stuckGraceMs: number;
}

/** BullMQ states in which a dispatch job will still run. */
const LIVE_JOB_STATES: ReadonlySet<JobState | "unknown"> = new Set([
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
]);

/**
 * Releases slots and starts the runs promoted into them. Called when a run reaches a final phase
 * (run events, `released` control jobs, the reconciler) and when a dispatch fails.
 */
export class SlotKeeper {
  constructor(
    private readonly ctx: DispatcherContext,
    private readonly options: SlotKeeperOptions,
  ) {}

  /**
   * Fails a run that never reached Dispatched, stops whatever its dispatch may have created (so the
   * next run of the service never shares the workspace with it), and frees its slot. Returns whether
   * it failed the run (false: it had moved on meanwhile).
   */
  async fail(run: RunRecord, reason: string): Promise<boolean> {
    const { runStore, runtime, metrics, log } = this.ctx;
    // a crash between creating the Job and recording it: the agent exists (or finished), never fail it
    if (await this.adopt(run)) return false;
    const moved = await runStore.tryTransition(run.id, "Failed", reason);
    if (!moved) {
      const current = await runStore.get(run.id);
      if (!current || isTerminalPhase(current.phase)) await this.release(run.id);
      return false;
    }
    try {
      await runtime.cancel(moved);
    } catch (err) {
      log.error({ err, runId: run.id }, "could not stop what the failed dispatch created");
    }
    await this.release(run.id);
    metrics.dispatches.inc({ kind: run.kind, outcome: "failed" });
    log.warn({ runId: run.id, reason }, "failed a run whose dispatch gave up");
    return true;
  }

  /**
   * Looks the run's agent up in the runtime; when it exists (running or finished) records the run as
   * Dispatched with its links, so the watcher follows it to its real outcome. Returns whether it did.
   * @throws when the runtime cannot be asked (the caller leaves the run for a later pass)
   */
  async adopt(run: RunRecord): Promise<boolean> {
    const { runStore, runtime, limiter, log } = this.ctx;
    const agent = await runtime.inspect(run);
    if (agent.state === "absent") return false;
    const moved = await runStore.tryTransition(
      run.id,
      "Dispatched",
      `adopted the existing agent (${agent.state})`,
      {
        links: agent.links,
      },
    );
    if (moved || isDispatchedPhase((await runStore.get(run.id))?.phase ?? ""))
      await limiter.dispatched(run.id);
    log.warn({ runId: run.id, agent: agent.state }, "adopted an agent its dispatch had created");
    return true;
  }

  /** Frees the run's slot (if any) and dispatches whoever it promoted. */
  async release(runId?: string): Promise<{ held: boolean; waited: boolean }> {
    const { held, waited, promoted } = await this.ctx.limiter.release(runId);
    if (held && runId) this.ctx.log.debug({ runId }, "released slot");
    await this.enqueue(promoted);
    return { held, waited };
  }

  /** Puts promoted runs back on the dispatch queue with the dispatch message kept while they waited. */
  async enqueue(runIds: readonly string[]): Promise<void> {
    for (const runId of runIds) {
      const payload = await this.ctx.limiter.payload(runId);
      if (!payload) {
        const run = await this.ctx.runStore.get(runId);
        // dispatched since it was listed (which drops the kept message): nothing to do
        if (run && isDispatchedPhase(run.phase)) continue;
        if (!run || isTerminalPhase(run.phase)) {
          await this.release(runId);
          continue;
        }
        // cannot happen unless someone edited Redis by hand; do not let the slot leak
        this.ctx.log.error({ runId }, "promoted run has no kept dispatch message; failing it");
        await this.fail(run, "lost its rendered files while waiting for a slot; retry the run");
        continue;
      }
      await this.ctx.dispatchQueue.add("dispatch", payload, { jobId: promotedJobId(runId) });
      this.ctx.log.info({ runId }, "slot free: dispatching waiting run");
    }
  }

  /**
   * Checks slot holders and waiting runs against the run store: a run that ended (or expired) while
   * nobody released its slot gives it back; a promoted run whose dispatch job got lost is queued again;
   * a run holding a slot that nothing will dispatch any more is failed (see {@link failIfStuck}).
   */
  async reconcile(): Promise<void> {
    const { limiter, runStore, log } = this.ctx;
    const holders = await limiter.holders();
    const waiting = await limiter.waiting();
    for (const runId of [...holders.keys(), ...waiting.map((w) => w.runId)]) {
      const run = await runStore.get(runId);
      if (!run || isTerminalPhase(run.phase)) {
        log.info({ runId, phase: run?.phase }, "reconcile: run is over, releasing its slot");
        await this.release(runId);
      }
    }
    for (const runId of holders.keys()) await this.failIfStuck(runId);
    // enqueue is idempotent by job id: a promotion whose job exists is left alone
    await this.enqueue(await limiter.pendingPromotions());
    await this.release();
  }

  /**
   * A slot holder still in Queued/Rendering whose dispatch job is gone (it stalled past
   * maxStalledCount, failed without the failure listener, or was removed) and whose dispatch message
   * is not kept will never be dispatched: after the grace period it is failed and its slot freed.
   */
  private async failIfStuck(runId: string): Promise<void> {
    const { limiter, runStore, dispatchQueue } = this.ctx;
    // promoted and not yet dispatched: enqueue() (re)queues it from the kept message
    if (await limiter.payload(runId)) return;
    for (const id of dispatchJobIds(runId)) {
      if (LIVE_JOB_STATES.has(await dispatchQueue.getJobState(id))) return;
    }
    // read after the jobs: a dispatch that just completed has already moved the run on
    const run = await runStore.get(runId);
    if (!run || isTerminalPhase(run.phase) || isDispatchedPhase(run.phase)) return;
    const idleMs = Date.now() - Date.parse(run.updatedAt);
    if (!(idleMs >= this.options.stuckGraceMs)) return;
    await this.fail(
      run,
      `dispatch never finished: the run held a concurrency slot in ${run.phase} for ${formatDuration(idleMs)} ` +
        "with no dispatch job left (it stalled, failed or was removed); retry the run",
    );
  }
}
