import { isTerminalPhase } from "@orchestrator/contracts";
import type { DispatcherContext } from "./dispatcher-context.js";
import { promotedJobId } from "./dispatcher-context.js";

/**
 * Releases slots and starts the runs promoted into them. Called when a run reaches a final phase
 * (run events, `released` control jobs, the reconciler) and when a dispatch fails.
 */
export class SlotKeeper {
  constructor(private readonly ctx: DispatcherContext) {}

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
        // cannot happen unless someone edited Redis by hand; do not let the slot leak
        this.ctx.log.error({ runId }, "promoted run has no kept dispatch message; failing it");
        await this.ctx.runStore.tryTransition(
          runId,
          "Failed",
          "lost its rendered files while waiting for a slot; retry the run",
        );
        await this.release(runId);
        continue;
      }
      await this.ctx.dispatchQueue.add("dispatch", payload, { jobId: promotedJobId(runId) });
      this.ctx.log.info({ runId }, "slot free: dispatching waiting run");
    }
  }

  /**
   * Checks slot holders and waiting runs against the run store: a run that ended (or expired) while
   * nobody released its slot gives it back; a promoted run whose dispatch job got lost is queued again.
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
    // enqueue is idempotent by job id: a promotion whose job exists is left alone
    await this.enqueue(await limiter.pendingPromotions());
    await this.release();
  }
}
