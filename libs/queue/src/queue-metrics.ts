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
 * `orchestrator_queue_jobs{queue,state}`: queue depth, read from Redis when Prometheus scrapes, with
 * `orchestrator_queue_oldest_waiting_seconds{queue}` (age of the oldest job no worker has taken yet)
 * and `orchestrator_redis_up` (1 when Redis answered the scrape, else 0). Every read gives up after 2 s
 * so a scrape never hangs on a dead Redis.
 */
export function registerQueueDepthMetric(registry: Registry, queues: readonly Queue[]): Gauge {
  new Gauge({
    name: "orchestrator_queue_oldest_waiting_seconds",
    help: "Age of the oldest waiting job in each BullMQ queue (0 when none waits)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        try {
          const [oldest] = await withTimeout(queue.getJobs(["wait"], 0, 0, true), 2000);
          this.set({ queue: queue.name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
        } catch {
          // Redis down: orchestrator_redis_up says so
        }
      }
    },
  });
  new Gauge({
    name: "orchestrator_redis_up",
    help: "1 when Redis answered during the scrape, 0 when it did not (within 2 s)",
    registers: [registry],
    async collect() {
      const queue = queues[0];
      if (!queue) return;
      try {
        await withTimeout(queue.getJobCounts("wait"), 2000);
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  return new Gauge({
    name: "orchestrator_queue_jobs",
    help: "Jobs in each BullMQ queue by state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        try {
          const counts = await withTimeout(queue.getJobCounts(...STATES), 2000);
          for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis down: keep the last values rather than failing the whole scrape
        }
      }
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
