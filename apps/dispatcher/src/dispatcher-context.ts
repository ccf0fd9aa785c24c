import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Runtime } from "@orchestrator/runtime";
import type { Logger } from "pino";
import type { ConcurrencyLimiter } from "./concurrency/concurrency-limiter.js";
import type { DispatcherMetrics } from "./dispatcher-metrics.js";

/** What the dispatcher's handlers share (built once by {@link createDispatcher}). */
export interface DispatcherContext {
  runStore: RunStore;
  runtime: Runtime;
  limiter: ConcurrencyLimiter;
  dispatchQueue: TypedQueue<"dispatch">;
  metrics: DispatcherMetrics;
  log: Logger;
}

/** Phases in which a run's objects exist (the dispatcher's part is done). */
export const DISPATCHED_PHASES = ["Dispatched", "Pending", "Running"] as const;

export function isDispatchedPhase(phase: string): boolean {
  return (DISPATCHED_PHASES as readonly string[]).includes(phase);
}

/** BullMQ job id of the dispatch of a promoted run (ids may not contain `:`). */
export function promotedJobId(runId: string): string {
  return `promoted-${runId.replace(/:/g, "-")}`;
}

/** Ids of the dispatch jobs a run can have: the renderer's (the run id) and the promotion's. */
export function dispatchJobIds(runId: string): string[] {
  return [runId, promotedJobId(runId)];
}
