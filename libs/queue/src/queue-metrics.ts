import { sleep } from "@orchestrator/contracts";
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

/** How long a scrape waits for Redis before it serves the last values. */
export const METRICS_REDIS_TIMEOUT_MS = 250;

/**
 * Wraps a Redis read for a metrics scrape: waits at most `timeoutMs` for it and otherwise answers
 * with the last value read (undefined before the first). At most one read is in flight, so a Redis
 * that hangs does not pile up calls; a read that finishes late still refreshes the cache.
 */
export function cachedRead<T>(
  read: () => Promise<T>,
  timeoutMs = METRICS_REDIS_TIMEOUT_MS,
): () => Promise<T | undefined> {
  let last: T | undefined;
  let inflight: Promise<void> | undefined;
  return async () => {
    inflight ??= read()
      .then(
        (value) => {
          last = value;
        },
        () => {},
      )
      .finally(() => {
        inflight = undefined;
      });
    await Promise.race([inflight, sleep(timeoutMs)]);
    return last;
  };
}

/**
 * `orchestrator_queue_jobs{queue,state}`: queue depth, read from Redis when Prometheus scrapes —
 * never for longer than {@link METRICS_REDIS_TIMEOUT_MS}: with Redis down the last values are served —
 * with `orchestrator_queue_oldest_waiting_seconds{queue}` (age of the oldest job no worker has taken
 * yet) and `orchestrator_redis_up` (1 when Redis answered the scrape in time, else 0).
 */
export function registerQueueDepthMetric(registry: Registry, queues: readonly Queue[]): Gauge {
  const reads = queues.map((queue) => ({ queue, read: cachedRead(() => queue.getJobCounts(...STATES)) }));
  const oldest = queues.map((queue) => ({
    queue,
    read: cachedRead(() => queue.getJobs(["wait"], 0, 0, true)),
  }));
  new Gauge({
    name: "orchestrator_queue_oldest_waiting_seconds",
    help: "Age of the oldest waiting job in each BullMQ queue (0 when none waits)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      const all = await Promise.all(oldest.map(async ({ queue, read }) => ({ queue, jobs: await read() })));
      for (const { queue, jobs } of all) {
        if (!jobs) continue;
        const job = jobs[0];
        this.set({ queue: queue.name }, job ? Math.max(0, (Date.now() - job.timestamp) / 1000) : 0);
      }
    },
  });
  new Gauge({
    name: "orchestrator_redis_up",
    help: "1 when Redis answered during the scrape (within 250 ms), 0 when it did not",
    registers: [registry],
    async collect() {
      const queue = queues[0];
      if (!queue) return;
      const answered = await Promise.race([
        queue.getJobCounts("wait").then(
          () => 1,
          () => 0,
        ),
        sleep(METRICS_REDIS_TIMEOUT_MS).then(() => 0),
      ]);
      this.set(answered);
    },
  });
  return new Gauge({
    name: "orchestrator_queue_jobs",
    help: "Jobs in each BullMQ queue by state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const all = await Promise.all(reads.map(async ({ queue, read }) => ({ queue, counts: await read() })));
      for (const { queue, counts } of all) {
        if (!counts) continue;
        for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
}
