import { QUEUES } from "@orchestrator/contracts";
import { FAST_BUCKETS } from "@orchestrator/observability";
import { closeWorker, createWorker, type TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import { createRenderFailureHandler } from "./render-failure.js";
import { createRenderProcessor, type IsPermanentRenderError, type RenderFn } from "./render-processor.js";
import { requeueStrandedRuns } from "./requeue-sweeper.js";

export interface RendererDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  dispatchQueue: TypedQueue<typeof QUEUES.dispatch>;
  /** worker connection (`maxRetriesPerRequest: null`) */
  workerConnection: Redis;
  prefix: string;
  render: RenderFn;
  isPermanent: IsPermanentRenderError;
  log: Logger;
  registry: Registry;
  /** @defaultValue 4 */
  concurrency?: number;
  /** how often to look for accepted runs whose render job went missing, ms (0 = never). @defaultValue 30000 */
  sweepIntervalMs?: number;
}

export interface Renderer {
  close(): Promise<void>;
  /** one sweep now (tests) */
  sweep(): Promise<string[]>;
}

/** The renderer service: consumes the render queue and feeds the dispatch queue. */
export function createRenderer(deps: RendererDeps): Renderer {
  const renders = new Counter({
    name: "orchestrator_render_total",
    help: "Runs rendered, by kind and outcome (rendered, failed, error)",
    labelNames: ["kind", "outcome"] as const,
    registers: [deps.registry],
  });
  const duration = new Histogram({
    name: "orchestrator_render_duration_seconds",
    help: "Time to render a run's templates",
    labelNames: ["kind"] as const,
    buckets: FAST_BUCKETS,
    registers: [deps.registry],
  });
  const processor = createRenderProcessor({
    runStore: deps.runStore,
    dispatchQueue: deps.dispatchQueue,
    render: deps.render,
    isPermanent: deps.isPermanent,
    log: deps.log,
    metrics: { renders, duration },
  });
  const worker = createWorker(QUEUES.render, (data) => processor(data), {
    connection: deps.workerConnection,
    prefix: deps.prefix,
    log: deps.log,
    concurrency: deps.concurrency ?? 4,
  });
  // a run whose render kept failing for transient reasons must not sit in Rendering forever
  const onFailed = createRenderFailureHandler({
    runStore: deps.runStore,
    renderQueue: deps.renderQueue,
    dispatchQueue: deps.dispatchQueue,
    log: deps.log,
  });
  worker.on("failed", (job, err) => {
    onFailed(job, err).catch((e: unknown) =>
      deps.log.warn({ err: e, jobId: job?.id }, "handling a failed render failed"),
    );
  });

  const sweep = () =>
    requeueStrandedRuns({
      runStore: deps.runStore,
      renderQueue: deps.renderQueue,
      log: deps.log,
      minAgeMs: 30_000,
    });
  const interval = deps.sweepIntervalMs ?? 30_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          sweep().catch((err: unknown) => deps.log.warn({ err }, "sweep for stranded runs failed"));
        }, interval)
      : undefined;
  timer?.unref();

  return {
    sweep,
    async close() {
      if (timer) clearInterval(timer);
      await closeWorker(worker);
    },
  };
}
