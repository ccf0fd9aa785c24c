import type { Queue } from "bullmq";
import { Gauge, type Registry } from "prom-client";

const STATES = [
  "waiting",
  "active",
  "delayed",
  "failed",
  "completed",
  "prioritized",
  "waiting-children",
] as const;

/**
 * `orchestrator_queue_jobs{queue,state}`: queue depth, read from Redis when Prometheus scrapes.
 */
export function registerQueueDepthMetric(registry: Registry, queues: readonly Queue[]): Gauge {
  return new Gauge({
    name: "orchestrator_queue_jobs",
    help: "Jobs in each BullMQ queue by state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        try {
          const counts = await queue.getJobCounts(...STATES);
          for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis down: keep the last values rather than failing the whole scrape
        }
      }
    },
  });
}
