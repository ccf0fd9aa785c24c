import { type ControlJob, isTerminalPhase } from "@orchestrator/contracts";
import { type DispatcherContext, isDispatchedPhase } from "./dispatcher-context.js";
import type { SlotKeeper } from "./slot-keeper.js";

/**
 * Control jobs:
 * - `cancel`: a waiting run leaves the waiting set; a dispatched run's Job (or process) is stopped
 *   before its slot is freed, so the next run of the service never shares the workspace with it;
 *   either way the run ends `Cancelled`.
 * - `released`: a run ended; free its slot and start whoever waits for it.
 */
export function createControlHandler(ctx: DispatcherContext, slots: SlotKeeper) {
  const { runStore, runtime, limiter, log } = ctx;

  return async function handleControl(data: ControlJob): Promise<{ outcome: string }> {
    if (data.action === "released") {
      await slots.release(data.runId);
      return { outcome: "released" };
    }
    const reason = data.reason || "cancelled";
    const run = await runStore.get(data.runId);
    if (!run || isTerminalPhase(run.phase)) {
      await slots.release(data.runId);
      return { outcome: run ? `already ${run.phase}` : "unknown run" };
    }
    const runLog = log.child({ runId: run.id });
    const waiting = (await limiter.waiting()).some((w) => w.runId === run.id);
    if (waiting) {
      await slots.release(run.id);
      await runStore.tryTransition(run.id, "Cancelled", reason);
      runLog.info("cancelled a waiting run");
      return { outcome: "cancelled-waiting" };
    }
    const held = (await limiter.holders()).has(run.id);
    if (held || isDispatchedPhase(run.phase) || run.links.job || run.links.localDir) {
      await runtime.cancel(run);
    }
    await runStore.tryTransition(run.id, "Cancelled", reason);
    await slots.release(run.id);
    runLog.info({ held }, "cancelled run");
    return { outcome: "cancelled" };
  };
}
