import { silentLogger } from "@orchestrator/observability";
import { connectTestRedis } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { Counter, Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCallbackReceiver } from "../../test/callback-receiver.js";
import { codeRequest } from "../../test/fixtures/runs.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { type CallbackDelivery, createCallbackDelivery } from "./callback-delivery.js";
import { verifyCallbackSignature } from "./callback-signature.js";

const SECRET = "callback-secret-0123456789";
let ctx: RedisContext;
let workerRedis: Redis;
let delivery: CallbackDelivery | undefined;

beforeEach(async () => {
  ctx = await redisContext("cb");
  workerRedis = await connectTestRedis("worker");
});
afterEach(async () => {
  await delivery?.close();
  delivery = undefined;
  workerRedis.disconnect();
  await ctx.cleanup();
});

function start(attempts = 4) {
  delivery = createCallbackDelivery({
    runStore: ctx.runStore,
    redis: ctx.redis,
    queueConnection: ctx.redis,
    workerConnection: workerRedis,
    prefix: ctx.prefix,
    secret: SECRET,
    attempts,
    backoffMs: 50,
    retentionMs: 60_000,
    log: silentLogger(),
    callbacks: new Counter({ name: "cb", help: "cb", labelNames: ["outcome"], registers: [new Registry()] }),
  });
  delivery.start();
  return delivery;
}

describe("run callbacks", () => {
  it("POSTs the finished run signed with HMAC-SHA256 and retries after a 500", async () => {
    const receiver = await startCallbackReceiver([500]);
    try {
      const { run } = await ctx.runStore.create({ request: codeRequest({ callbackUrl: receiver.url }) });
      const done = await ctx.runStore.transition(run.id, "Succeeded", "agent finished");
      const d = start();
      expect(await d.enqueue(done)).toBe(true);
      expect(await d.enqueue(done)).toBe(true); // same job id: still one delivery
      await expect.poll(() => receiver.received.map((r) => r.status), { timeout: 5000 }).toEqual([500, 200]);
      for (const call of receiver.received) {
        expect(
          verifyCallbackSignature(SECRET, call.body, call.headers["x-orchestrator-signature-256"] as string),
        ).toBe(true);
        expect(call.headers["x-orchestrator-delivery"]).toBe(`${run.id}.Succeeded`);
        expect(call.headers["idempotency-key"]).toBe(`${run.id}.Succeeded`);
      }
      expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({ id: run.id, phase: "Succeeded" });
      // delivered: asking again sends nothing
      await expect.poll(async () => d.enqueue(done)).toBe(false);
    } finally {
      await receiver.stop();
    }
  });

  it("gives up on a 4xx answer without retrying", async () => {
    const receiver = await startCallbackReceiver([404, 404]);
    try {
      const { run } = await ctx.runStore.create({ request: codeRequest({ callbackUrl: receiver.url }) });
      const done = await ctx.runStore.transition(run.id, "Failed", "agent exited with code 1");
      const d = start();
      await d.enqueue(done);
      await expect
        .poll(async () => (await d.queue.getJob(`callback-${run.id}`))?.isFailed(), { timeout: 5000 })
        .toBe(true);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it("sends nothing for runs without a callback URL or not yet finished", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest() });
    const d = start();
    expect(await d.enqueue(run)).toBe(false);
    expect(await d.enqueue(await ctx.runStore.transition(run.id, "Cancelled", "cancelled"))).toBe(false);
  });
});
