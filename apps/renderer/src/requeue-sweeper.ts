import type { QUEUES } from "@orchestrator/contracts";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";

/**
 * Finds runs that were accepted (phase Queued, never rendered) but whose render job is missing —
 * ingress crashed between recording the run and enqueueing it, or Redis lost the job — and enqueues
 * them again. Runs that were rendered and wait for a concurrency slot are the dispatcher's.
 */
export async function requeueStrandedRuns(deps: {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  log: Logger;
  /** only runs older than this are considered, ms */
  minAgeMs: number;
  now?: () => number;
}): Promise<string[]> {
  const now = deps.now?.() ?? Date.now();
  const requeued: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const { runs, nextCursor } = await deps.runStore.list({ phase: "Queued", limit: 200, cursor });
    for (const run of runs) {
      if (now - Date.parse(run.createdAt) < deps.minAgeMs) continue;
      if (run.timeline.some((t) => t.phase === "Rendering")) continue;
      const existing = await deps.renderQueue.getJob(run.id);
      if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) continue;
      if (existing) await existing.remove().catch(() => {});
      await deps.renderQueue.add("render", { runId: run.id }, { jobId: run.id });
      requeued.push(run.id);
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  if (requeued.length > 0)
    deps.log.warn({ runs: requeued }, "re-enqueued accepted runs whose render job was missing");
  return requeued;
}
