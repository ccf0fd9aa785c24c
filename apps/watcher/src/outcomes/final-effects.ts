import { backoffMs, isTerminalPhase, type QUEUES, type RunRecord } from "@orchestrator/contracts";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CallbackDelivery } from "../callbacks/callback-delivery.js";
import type { DurableWorkSet } from "../durable-work-set.js";
import type { WatcherMetrics } from "../metrics.js";
import type { OnceMarker } from "../once-marker.js";
import { retryDecision, startRetry } from "../retries/auto-retry.js";
import { createWorkLoop } from "../work-loop.js";

/** The side effects of a final phase, each done once per run (a done marker per run + effect). */
export const FINAL_EFFECTS = ["count", "released", "callback", "retry"] as const;
export type FinalEffect = (typeof FINAL_EFFECTS)[number];

export interface FinalEffectsDeps {
  /** the work items: ids of finished runs whose effects are not all done (Redis sorted set) */
  set: DurableWorkSet;
  redis: Redis;
  /** prefix of the done markers, e.g. `<QUEUE_PREFIX>:watcher:effect-done` */
  doneKeyPrefix: string;
  /** how long done markers are kept, ms */
  doneTtlMs: number;
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  controlQueue: TypedQueue<typeof QUEUES.control>;
  callbacks: CallbackDelivery;
  metrics: WatcherMetrics;
  /** a finished run is counted in the run metrics once */
  counted: OnceMarker;
  handOver: ((retry: RunRecord) => Promise<void>) | undefined;
  log: Logger;
  /** how often due items are looked for, ms @defaultValue 500 */
  pollMs?: number;
}

export interface FinalEffects {
  /** the run reached a final phase: its effects become a durable work item (idempotent) */
  mark(runId: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** works off everything due now (tests) */
  drain(): Promise<number>;
}

/**
 * What a final phase sets off (run metrics, the `released` control job that frees the concurrency
 * slot, the callback, an automatic retry) as durable work items in Redis: a crash, a restart of the
 * watcher or of Redis (AOF) between the final event and the effect loses nothing, because the item
 * stays until every effect is done, retried with backoff (2 s doubling, up to 5 min) meanwhile. Each
 * effect is idempotent and marked done per run, so repeating an item repeats nothing.
 */
export function createFinalEffects(deps: FinalEffectsDeps): FinalEffects {
  const doneKey = (runId: string, effect: FinalEffect) => `${deps.doneKeyPrefix}:${runId}:${effect}`;

  async function once(runId: string, effect: FinalEffect, work: () => Promise<void>): Promise<void> {
    if (await deps.redis.exists(doneKey(runId, effect))) return;
    await work();
    await deps.redis.set(doneKey(runId, effect), "1", "PX", deps.doneTtlMs);
  }

  async function apply(run: RunRecord): Promise<void> {
    await once(run.id, "count", async () => {
      if (await deps.counted.claim(run.id)) deps.metrics.runFinished(run);
    });
    await once(run.id, "released", async () => {
      await deps.controlQueue.add(
        "released",
        { action: "released", runId: run.id },
        { jobId: `released-${run.id}` },
      );
    });
    await once(run.id, "callback", async () => {
      await deps.callbacks.enqueue(run);
    });
    await once(run.id, "retry", async () => {
      const decision = retryDecision(run);
      if (!decision.retry) {
        if (run.phase === "Failed")
          deps.log.debug({ runId: run.id, why: decision.why }, "no automatic retry");
        return;
      }
      const max = run.request.kind === "code" ? run.request.maxRetries : 0;
      const reason = `automatic retry ${run.attempt} of ${max} (previous attempt ${run.id} failed)`;
      const retry = await startRetry(
        { runStore: deps.runStore, renderQueue: deps.renderQueue, log: deps.log, handOver: deps.handOver },
        run,
        reason,
      );
      if (retry) deps.metrics.retries.inc({ kind: run.kind });
    });
  }

  const loop = createWorkLoop({
    name: "final-phase effects",
    set: deps.set,
    log: deps.log,
    pollMs: deps.pollMs ?? 500,
    // effects must happen: keep trying for days (the backoff caps at 5 min)
    maxAttempts: 1000,
    work: async (runId) => {
      const run = await deps.runStore.get(runId);
      if (!run || !isTerminalPhase(run.phase)) return; // expired, or not final (nothing to do)
      await apply(run);
    },
    retryDelay: (_err, attempts) => backoffMs(attempts, 2000, 5 * 60_000),
  });

  return {
    mark: (runId) => deps.set.mark(runId),
    start: () => loop.start(),
    stop: () => loop.stop(),
    drain: () => loop.runOnce(),
  };
}
