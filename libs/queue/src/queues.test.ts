import { QUEUES } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createQueue,
  createWorker,
  DEFAULT_JOB_OPTIONS,
  isRedisUnavailableError,
  onShutdown,
} from "./index.js";
import { connectTestRedis, deletePrefix, uniquePrefix } from "./testing.js";

let client: Redis;
let worker: Redis;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  client = await connectTestRedis("producer");
  worker = await connectTestRedis("worker");
});
afterAll(() => {
  client.disconnect();
  worker.disconnect();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe("queues", () => {
  it("hands the processor parsed data and fails a malformed payload at once, without retries", async () => {
    const prefix = uniquePrefix("q");
    const queue = createQueue(QUEUES.render, { connection: client, prefix });
    const seen: string[] = [];
    const w = createWorker(QUEUES.render, async (data) => seen.push(data.runId), {
      connection: worker,
      prefix,
      log: silentLogger(),
    });
    cleanups.push(async () => {
      await w.close();
      await queue.close();
      await deletePrefix(client, prefix);
    });
    await queue.add("render", { runId: "run-good" }, { jobId: "good" });
    await queue.add("render", { notARunId: 1 } as never, { jobId: "bad" });
    await expect
      .poll(async () => (await queue.getJob("bad"))?.failedReason, { timeout: 10_000 })
      .toMatch(/invalid render payload/);
    const bad = await queue.getJob("bad");
    expect(bad?.attemptsMade).toBe(1);
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual(["run-good"]);
  });

  it("bounds what finished jobs keep in Redis and retries with backoff", () => {
    expect(DEFAULT_JOB_OPTIONS.removeOnComplete).toMatchObject({
      count: expect.any(Number),
      age: expect.any(Number),
    });
    expect(DEFAULT_JOB_OPTIONS.removeOnFail).toMatchObject({
      count: expect.any(Number),
      age: expect.any(Number),
    });
    expect(DEFAULT_JOB_OPTIONS.attempts).toBeGreaterThan(1);
    expect(DEFAULT_JOB_OPTIONS.backoff).toMatchObject({ type: "exponential" });
  });

  it("tells Redis outages apart from other errors", () => {
    expect(isRedisUnavailableError(new Error("Command timed out"))).toBe(true);
    expect(
      isRedisUnavailableError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
    ).toBe(true);
    expect(isRedisUnavailableError(new TypeError("x is undefined"))).toBe(false);
  });

  it("runs shutdown steps in order, once, even when one fails", async () => {
    const order: string[] = [];
    const shutdown = onShutdown(
      [
        { name: "workers", close: async () => order.push("workers") },
        { name: "broken", close: async () => Promise.reject(new Error("boom")) },
        { name: "redis", close: async () => order.push("redis") },
      ],
      silentLogger(),
      { exit: false },
    );
    await Promise.all([shutdown(), shutdown()]);
    expect(order).toEqual(["workers", "redis"]);
  });
});
