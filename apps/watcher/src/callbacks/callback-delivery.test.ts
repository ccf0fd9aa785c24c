import { Writable } from "node:stream";
import { silentLogger } from "@orchestrator/observability";
import { connectTestRedis } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { type Logger, pino } from "pino";
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

function start(
  attempts = 4,
  options: { secret?: string | undefined; log?: Logger; allowedHosts?: string[] } = {},
) {
  const secret = "secret" in options ? options.secret : SECRET;
  const log = options.log ?? silentLogger();
  delivery = createCallbackDelivery({
    runStore: ctx.runStore,
    redis: ctx.redis,
    queueConnection: ctx.redis,
    workerConnection: workerRedis,
    prefix: ctx.prefix,
    secret,
    attempts,
    backoffMs: 50,
    retentionMs: 60_000,
    allowedHosts: options.allowedHosts ?? ["127.0.0.1"],
    log,
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
      await expect
        .poll(() => receiver.received.map((r) => r.status), { timeout: 15_000 })
        .toEqual([500, 200]);
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

  it("checks the resolved address when sending: a name resolving to loopback gets nothing unless CALLBACK_ALLOWED_HOSTS lists it", async () => {
    const receiver = await startCallbackReceiver();
    try {
      // the ingress cannot tell what "localhost" resolves to; the watcher resolves it and refuses
      const url = receiver.url.replace("127.0.0.1", "localhost");
      const { run } = await ctx.runStore.create({ request: codeRequest({ callbackUrl: url }) });
      const done = await ctx.runStore.transition(run.id, "Succeeded", "agent finished");
      const d = start(4, { allowedHosts: [] });
      expect(await d.enqueue(done)).toBe(true);
      await expect
        .poll(async () => (await ctx.runStore.get(run.id))?.callback, { timeout: 15_000 })
        .toMatchObject({ outcome: "failed", detail: expect.stringMatching(/not a public address/) });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.stop();
    }
  });

  it("never sends an unsigned callback: without CALLBACK_SECRET the run records that it was not sent, and one warning is logged", async () => {
    const receiver = await startCallbackReceiver();
    const lines: string[] = [];
    const log = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    try {
      const runs = [];
      for (let i = 0; i < 2; i++) {
        const { run } = await ctx.runStore.create({ request: codeRequest({ callbackUrl: receiver.url }) });
        runs.push(await ctx.runStore.transition(run.id, "Succeeded", "agent finished"));
      }
      const d = start(4, { secret: undefined, log });
      for (const run of runs) expect(await d.enqueue(run)).toBe(false);
      for (const run of runs) {
        expect((await ctx.runStore.get(run.id))?.callback).toMatchObject({
          outcome: "not-sent",
          detail: expect.stringContaining("CALLBACK_SECRET is not set"),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.received).toHaveLength(0);
      expect(lines.filter((l) => l.includes("CALLBACK_SECRET"))).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it("sends the run without the agent's log tail, and records the delivery on the run", async () => {
    const receiver = await startCallbackReceiver();
    try {
      const { run } = await ctx.runStore.create({ request: codeRequest({ callbackUrl: receiver.url }) });
      const done = await ctx.runStore.transition(run.id, "Failed", "agent exited with code 1", {
        logTail: "fatal: could not read from remote repository",
      });
      await start().enqueue(done);
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
      const body = JSON.parse(receiver.received[0]!.body) as Record<string, unknown>;
      expect(body).toMatchObject({ id: run.id, phase: "Failed", message: "agent exited with code 1" });
      expect(body).not.toHaveProperty("logTail");
      await expect.poll(async () => (await ctx.runStore.get(run.id))?.callback?.outcome).toBe("delivered");
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
        .poll(async () => (await d.queue.getJob(`callback-${run.id}`))?.isFailed(), { timeout: 15_000 })
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
