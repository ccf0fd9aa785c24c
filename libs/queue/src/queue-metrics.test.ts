import { QUEUES } from "@orchestrator/contracts";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createQueue, createRedis, registerQueueDepthMetric } from "./index.js";
import { connectTestRedis, deletePrefix, testRedisUrl, uniquePrefix } from "./testing.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe("queue metrics", () => {
  it("reports depth by state, the age of the oldest waiting job and that Redis answers", async () => {
    const client = await connectTestRedis("producer");
    const prefix = uniquePrefix("qm");
    const queue = new Queue(QUEUES.render, { connection: client, prefix });
    cleanups.push(async () => {
      await queue.close();
      await deletePrefix(client, prefix);
      client.disconnect();
    });
    const registry = new Registry();
    registry.setDefaultLabels({ service: "test" });
    registerQueueDepthMetric(registry, [queue]);
    await queue.add("render", { old: true }, { timestamp: Date.now() - 120_000 });
    await queue.add("render", { old: false });

    const text = await registry.metrics();
    expect(text).toContain('orchestrator_queue_jobs{queue="render",state="waiting",service="test"} 2');
    expect(text).toContain('orchestrator_redis_up{service="test"} 1');
    const age = Number(
      /orchestrator_queue_oldest_waiting_seconds\{queue="render",service="test"\} ([\d.]+)/.exec(text)?.[1],
    );
    expect(age).toBeGreaterThanOrEqual(119);
  });

  it("reports Redis down as orchestrator_redis_up 0 without failing the scrape", async () => {
    // nothing listens on port 1
    const dead = "redis://127.0.0.1:1";
    const connection = createRedis(dead, "producer");
    const queue = createQueue(QUEUES.render, { connection, prefix: uniquePrefix("qm") });
    queue.on("error", () => {});
    cleanups.push(async () => {
      connection.disconnect();
      await queue.close().catch(() => {});
    });
    const registry = new Registry();
    registry.setDefaultLabels({ service: "test" });
    registerQueueDepthMetric(registry, [queue]);
    expect(await registry.metrics()).toContain('orchestrator_redis_up{service="test"} 0');
    expect(testRedisUrl()).not.toBe(dead);
  });
});
