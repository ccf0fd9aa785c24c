import { isTerminalPhase, QUEUES } from "@orchestrator/contracts";
import type { Registry } from "@orchestrator/observability";
import { closeWorker, createWorker, redisReadiness, type TypedQueue } from "@orchestrator/queue";
import { type RunStore, subscribeRunEvents } from "@orchestrator/run-store";
import type { Runtime } from "@orchestrator/runtime";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ConcurrencyLimiter } from "./concurrency/concurrency-limiter.js";
import type { DispatcherConfig } from "./dispatcher-config.js";
import type { DispatcherContext } from "./dispatcher-context.js";
import { createDispatcherMetrics } from "./dispatcher-metrics.js";
import { createControlHandler } from "./handle-control.js";
import { createDispatchHandler } from "./handle-dispatch.js";
import { createDispatchFailureHandler } from "./handle-dispatch-failure.js";
import { sweepFinishedJobs } from "./job-janitor.js";
import { SlotKeeper } from "./slot-keeper.js";
import { refreshActiveRunTokens } from "./token-refresh.js";

export interface DispatcherDependencies {
  config: Pick<
    DispatcherConfig,
    | "QUEUE_PREFIX"
    | "MAX_CONCURRENT_RUNS"
    | "DISPATCH_CONCURRENCY"
    | "SLOT_RECONCILE_INTERVAL"
    | "STUCK_DISPATCH_GRACE"
    | "JOB_TTL_SECONDS"
  > & { JOB_SWEEP_INTERVAL?: number };
  runStore: RunStore;
  runtime: Runtime;
  /** producer side of the dispatch queue (promoted runs are put back on it) */
  queues: { dispatch: TypedQueue<"dispatch"> };
  redis: {
    /** commands (limiter); fail-fast */
    client: Redis;
    /** BullMQ workers (`maxRetriesPerRequest: null`) */
    worker: Redis;
    /** dedicated to the run-events subscription */
    subscriber: Redis;
  };
  logger: Logger;
  registry: Registry;
}

export interface Dispatcher {
  readonly limiter: ConcurrencyLimiter;
  /** Starts the workers, the run-event subscription and the slot reconciler (idempotent). */
  start(): Promise<void>;
  /** Stops taking jobs, waits for active ones, unsubscribes (idempotent). */
  stop(): Promise<void>;
  /** One reconcile pass (also run on a timer). */
  reconcile(): Promise<void>;
  /** One pass deleting finished agent Jobs of final runs (also run on a timer); returns their run ids. */
  sweepJobs(): Promise<string[]>;
  /** GitHub App mode: refreshes the tokens of active runs about to expire (every JOB_SWEEP_INTERVAL) */
  refreshTokens(): Promise<number>;
  /** Whether Redis answers (for /ready). */
  ready(): Promise<{ ok: boolean; reason: string }>;
}

/**
 * The dispatcher: consumes the dispatch queue (rendered runs → runtime objects, under the
 * concurrency limits) and the control queue (cancel, released).
 */
export function createDispatcher(deps: DispatcherDependencies): Dispatcher {
  const log = deps.logger.child({ component: "dispatcher" });
  const limiter = new ConcurrencyLimiter({
    redis: deps.redis.client,
    prefix: `${deps.config.QUEUE_PREFIX}:dispatcher`,
    maxConcurrent: deps.config.MAX_CONCURRENT_RUNS,
  });
  const ctx: DispatcherContext = {
    runStore: deps.runStore,
    runtime: deps.runtime,
    limiter,
    dispatchQueue: deps.queues.dispatch,
    metrics: createDispatcherMetrics(deps.registry, limiter),
    log,
  };
  const slots = new SlotKeeper(ctx, { stuckGraceMs: deps.config.STUCK_DISPATCH_GRACE });
  const handleDispatch = createDispatchHandler(ctx, slots, deps.config.MAX_CONCURRENT_RUNS);
  const handleControl = createControlHandler(ctx, slots);
  const onDispatchFailed = createDispatchFailureHandler(ctx, slots);
  // failure listeners still running (stop() waits for them before Redis goes away)
  const failing = new Set<Promise<void>>();

  let workers: Worker[] = [];
  let unsubscribe: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const sweepJobs = () =>
    sweepFinishedJobs({
      runtime: deps.runtime,
      runStore: deps.runStore,
      ttlMs: deps.config.JOB_TTL_SECONDS * 1000,
      log,
    });
  // GitHub App mode: tokens of agents still running are replaced before their hour is up
  const refreshTokens = () =>
    refreshActiveRunTokens({
      runtime: deps.runtime,
      runStore: deps.runStore,
      active: async () => (await limiter.holders()).keys(),
      log,
    });
  let started = false;

  const reconcile = async () => {
    try {
      await slots.reconcile();
    } catch (err) {
      log.warn({ err }, "slot reconcile failed; will try again");
    }
  };

  return {
    limiter,
    reconcile: () => slots.reconcile(),
    sweepJobs,
    refreshTokens,
    async start() {
      if (started) return;
      started = true;
      unsubscribe = await subscribeRunEvents(deps.redis.subscriber, deps.runStore.channel, (event) => {
        if (!isTerminalPhase(event.phase)) return;
        slots
          .release(event.runId)
          .catch((err: unknown) => log.warn({ err, runId: event.runId }, "releasing a slot failed"));
      });
      const options = { connection: deps.redis.worker, prefix: deps.config.QUEUE_PREFIX, log };
      const dispatchWorker = createWorker(QUEUES.dispatch, handleDispatch, {
        ...options,
        concurrency: deps.config.DISPATCH_CONCURRENCY,
      });
      dispatchWorker.on("failed", (job, err) => {
        const handled = onDispatchFailed(job, err)
          .catch((error: unknown) =>
            log.error({ err: error, jobId: job?.id }, "handling a failed dispatch job failed"),
          )
          .finally(() => failing.delete(handled));
        failing.add(handled);
      });
      workers = [dispatchWorker, createWorker(QUEUES.control, handleControl, { ...options, concurrency: 2 })];
      // catch up on what happened while no dispatcher ran, then keep checking
      await reconcile();
      timer = setInterval(() => void reconcile(), deps.config.SLOT_RECONCILE_INTERVAL);
      timer.unref();
      sweepTimer = setInterval(() => {
        sweepJobs().catch((err: unknown) =>
          log.warn({ err }, "sweeping finished Jobs failed; will try again"),
        );
        refreshTokens().catch((err: unknown) =>
          log.warn(
            { err: { message: (err as Error).message } },
            "refreshing GitHub App tokens failed; will try again",
          ),
        );
      }, deps.config.JOB_SWEEP_INTERVAL ?? 60_000);
      sweepTimer.unref();
      log.info(
        { runtime: deps.runtime.kind, maxConcurrent: deps.config.MAX_CONCURRENT_RUNS },
        "dispatcher started",
      );
    },
    async stop() {
      if (!started) return;
      started = false;
      if (timer) clearInterval(timer);
      if (sweepTimer) clearInterval(sweepTimer);
      await Promise.all(workers.map((w) => closeWorker(w)));
      workers = [];
      await Promise.all(failing);
      await unsubscribe?.();
      unsubscribe = undefined;
    },
    ready: () => redisReadiness(deps.redis.client),
  };
}
