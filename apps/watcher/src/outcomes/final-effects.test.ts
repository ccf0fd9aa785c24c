import { QUEUES, type RunRecord } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { createQueue, createRedis } from "@orchestrator/queue";
import { connectTestRedis, testRedisUrl } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCallbackReceiver } from "../../test/callback-receiver.js";
import { codeRequest } from "../../test/fixtures/runs.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { createCallbackDelivery } from "../callbacks/callback-delivery.js";
import { DurableWorkSet } from "../durable-work-set.js";
import { createWatcherMetrics } from "../metrics.js";
import { OnceMarker } from "../once-marker.js";
import { createFinalEffects, type FinalEffects } from "./final-effects.js";

let ctx: RedisContext;
let producer: Redis;
let worker: Redis;
const closers: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  ctx = await redisContext("fx");
  // the producer fails fast, as in main.ts: an outage makes every add throw
  producer = createRedis(testRedisUrl(), "producer");
  worker = await connectTestRedis("worker");
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  producer.disconnect();
  worker.disconnect();
  await ctx.cleanup();
});

async function effects(): Promise<{ fx: FinalEffects; queues: ReturnType<typeof makeQueues> }> {
  const queues = makeQueues();
  const callbacks = createCallbackDelivery({
    runStore: ctx.runStore,
    redis: ctx.redis,
    queueConnection: producer,
    workerConnection: worker,
    prefix: ctx.prefix,
    secret: "callback-secret-0123456789",
    attempts: 3,
    backoffMs: 50,
    allowedHosts: ["127.0.0.1"],
    retentionMs: 60_000,
    log: silentLogger(),
    callbacks: createWatcherMetrics(new Registry()).callbacks,
  });
  callbacks.start();
  const fx = createFinalEffects({
    set: new DurableWorkSet(ctx.redis, `${ctx.prefix}:watcher:final-effects`, 60_000),
    redis: ctx.redis,
    doneKeyPrefix: `${ctx.prefix}:watcher:effect-done`,
    doneTtlMs: 60_000,
    runStore: ctx.runStore,
    renderQueue: queues.render,
    controlQueue: queues.control,
    callbacks,
    metrics: createWatcherMetrics(new Registry()),
    counted: new OnceMarker(ctx.redis, `${ctx.prefix}:watcher:counted`, 60_000),
    handOver: undefined,
    log: silentLogger(),
    pollMs: 50,
  });
  closers.push(
    () => callbacks.close(),
    () => fx.stop(),
  );
  return { fx, queues };
}

function makeQueues() {
  const queues = {
    render: createQueue(QUEUES.render, { connection: producer, prefix: ctx.prefix }),
    control: createQueue(QUEUES.control, { connection: producer, prefix: ctx.prefix }),
  };
  closers.push(() => Promise.all([queues.render.close(), queues.control.close()]));
  return queues;
}

async function oomKilledRun(callbackUrl: string): Promise<RunRecord> {
  const { run } = await ctx.runStore.create({ request: codeRequest({ maxRetries: 1, callbackUrl }) });
  await ctx.runStore.transition(run.id, "Rendering", "rendering");
  await ctx.runStore.transition(run.id, "Dispatched", "job created");
  return ctx.runStore.transition(run.id, "Failed", "agent was OOMKilled", {
    failureReason: "OOMKilled",
    agentStarted: true,
  });
}

describe("side effects of a final phase", () => {
  it("are done once the queue's Redis connection is back, however long it was gone", async () => {
    const receiver = await startCallbackReceiver();
    closers.push(() => receiver.stop());
    const run = await oomKilledRun(receiver.url);
    const { fx, queues } = await effects();
    producer.disconnect(); // Redis unreachable for the producer: every add fails
    await fx.mark(run.id);
    fx.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await ctx.runStore.get(run.id))?.retriedBy).toBeUndefined();
    await producer.connect();

    await expect
      .poll(async () => queues.control.getJob(`released-${run.id}`), { timeout: 20_000 })
      .toBeDefined();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    await expect
      .poll(async () => (await ctx.runStore.get(run.id))?.retriedBy, { timeout: 20_000 })
      .toBeDefined();
    await expect.poll(() => ctx.redis.zcard(`${ctx.prefix}:watcher:final-effects`)).toBe(0);
  });

  it("left behind by a process that died before doing them are done by the next one, once", async () => {
    const receiver = await startCallbackReceiver();
    closers.push(() => receiver.stop());
    const run = await oomKilledRun(receiver.url);
    const first = await effects();
    await first.fx.mark(run.id); // marked, then the process died: never started working
    await first.fx.stop();

    const second = await effects();
    second.fx.start();
    await expect
      .poll(async () => (await ctx.runStore.get(run.id))?.retriedBy, { timeout: 20_000 })
      .toBeDefined();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    // marked again (a repeated run event): nothing is done twice
    await second.fx.mark(run.id);
    await expect.poll(() => ctx.redis.zcard(`${ctx.prefix}:watcher:final-effects`)).toBe(0);
    expect((await ctx.runStore.list()).runs).toHaveLength(2);
    expect(receiver.received).toHaveLength(1);
  });
});
