import { Counter, Gauge, Histogram, type Registry } from "@orchestrator/observability";
import { cachedRead } from "@orchestrator/queue";
import type { ConcurrencyLimiter } from "./concurrency/concurrency-limiter.js";

export type DispatchOutcome = "dispatched" | "waiting" | "failed" | "skipped" | "cancelled" | "error";

export interface DispatcherMetrics {
  /** `orchestrator_dispatch_total{kind,outcome}` */
  dispatches: Counter<"kind" | "outcome">;
  /** `orchestrator_dispatch_duration_seconds{kind}`: from taking a dispatch job to its objects existing */
  duration: Histogram<"kind">;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * `orchestrator_kube_api_errors_total{verb,code}`: failed Kubernetes API calls (code is the HTTP
 * status or `network`). Created by the composition root, which hands it to the runtime.
 */
export function kubeApiErrorCounter(registry: Registry): Counter<"verb" | "code"> {
  return (
    existing<Counter<"verb" | "code">>(registry, "orchestrator_kube_api_errors_total") ??
    new Counter({
      name: "orchestrator_kube_api_errors_total",
      help: "Failed Kubernetes API calls by verb and HTTP status (network for connection errors)",
      labelNames: ["verb", "code"],
      registers: [registry],
    })
  );
}

export function createDispatcherMetrics(registry: Registry, limiter: ConcurrencyLimiter): DispatcherMetrics {
  const dispatches =
    existing<Counter<"kind" | "outcome">>(registry, "orchestrator_dispatch_total") ??
    new Counter({
      name: "orchestrator_dispatch_total",
      help: "Dispatch attempts by run kind and outcome (dispatched, waiting, failed, skipped, cancelled, error)",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    });
  const duration =
    existing<Histogram<"kind">>(registry, "orchestrator_dispatch_duration_seconds") ??
    new Histogram({
      name: "orchestrator_dispatch_duration_seconds",
      help: "Time from taking a dispatch job to the run's objects existing",
      labelNames: ["kind"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  if (!existing(registry, "orchestrator_runs_waiting")) {
    const readWaiting = cachedRead(() => limiter.waiting());
    new Gauge({
      name: "orchestrator_runs_waiting",
      help: "Rendered runs waiting for a slot, by reason (workspace: their service's workspace is busy; global: MAX_CONCURRENT_RUNS)",
      labelNames: ["reason"],
      registers: [registry],
      async collect() {
        // Redis slow or down: the last values, after at most 250 ms
        const waiting = await readWaiting();
        if (!waiting) return;
        this.set({ reason: "workspace" }, waiting.filter((w) => w.reason === "workspace").length);
        this.set({ reason: "global" }, waiting.filter((w) => w.reason === "global").length);
      },
    });
  }
  return { dispatches, duration };
}
