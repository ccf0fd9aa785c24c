import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A registry with Node.js process metrics and a `service` default label. */
export function createRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Buckets (seconds) for HTTP requests and queue hops. */
export const FAST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for agent runs and run stages, which take minutes to hours. */
export const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

/** Where a run is in the pipeline, for {@link stageDurationHistogram}. */
export type PipelineStage = "queued" | "rendered" | "job_created";

/**
 * `orchestrator_stage_duration_seconds{stage}`: time from a run being received (its `createdAt`) to
 * reaching `stage`: `queued` (ingress recorded and enqueued it), `rendered` (the renderer handed it
 * to the dispatch queue), `job_created` (the dispatcher created its Job / process). Each service
 * observes its own stage, so Grafana and `npm run bench -- --only e2e` read the same pipeline.
 */
export function stageDurationHistogram(registry: Registry): Histogram<"stage"> {
  const name = "orchestrator_stage_duration_seconds";
  return (
    (registry.getSingleMetric(name) as Histogram<"stage"> | undefined) ??
    new Histogram({
      name,
      help: "Time from a run being received to reaching a pipeline stage (queued, rendered, job_created)",
      labelNames: ["stage"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    })
  );
}

/** Observes that a run created at `createdAt` (ISO time) reached `stage` now. */
export function observeStage(
  histogram: Histogram<"stage"> | undefined,
  stage: PipelineStage,
  createdAt: string,
  now = Date.now(),
): void {
  const created = Date.parse(createdAt);
  if (histogram && Number.isFinite(created)) histogram.observe({ stage }, Math.max(0, now - created) / 1000);
}
