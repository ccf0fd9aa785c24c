import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { Logger } from "@orchestrator/observability";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import { HttpError } from "../errors/http-error.js";
import { withTimeout } from "./with-timeout.js";

export interface CancellerDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<"render">;
  controlQueue: TypedQueue<"control">;
  log: Logger;
  now: () => Date;
}

/**
 * Cancels runs. A run nobody has dispatched yet (Queued, Rendering) is cancelled on the spot and
 * its render job dropped; a later one is marked and handed to the dispatcher/watcher through a
 * control job, since only they can stop a Job or process. Both ways a control job is sent, so
 * anything created in a race is cleaned up.
 */
export class RunCanceller {
  constructor(private readonly deps: CancellerDeps) {}

  /** @throws HttpError 409 when the run is already final */
  async cancel(run: RunRecord, reason: string): Promise<RunRecord> {
    const { runStore, log } = this.deps;
    if (isTerminalPhase(run.phase)) throw new HttpError(409, `run ${run.id} is already ${run.phase}`);
    let updated: RunRecord | undefined;
    if (run.phase === "Queued" || run.phase === "Rendering") {
      updated = await runStore.tryTransition(run.id, "Cancelled", reason);
      if (updated) {
        // a render job still waiting is dropped; one being processed is locked and stays (remove → 0)
        await this.deps.renderQueue.remove(run.id).catch(() => 0);
      }
    }
    if (!updated) {
      const at = this.deps.now().toISOString();
      updated = await runStore.update(run.id, (r) => ({
        ...r,
        cancelRequestedAt: r.cancelRequestedAt ?? at,
        cancelReason: r.cancelReason ?? reason,
      }));
    }
    await withTimeout(
      this.deps.controlQueue.add(
        "cancel",
        { action: "cancel", runId: run.id, reason },
        { jobId: `cancel-${run.id}` },
      ),
      5000,
      "adding the cancel job",
    );
    log.info({ runId: run.id, phase: updated.phase, reason }, "run cancel requested");
    return updated;
  }
}
