import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";

let redis: Redis;
let prefix: string;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis.disconnect());
beforeEach(() => {
  prefix = uniquePrefix("slots");
});
afterEach(async () => {
  await deletePrefix(redis, prefix);
});

const payload = (runId: string) => ({ runId, files: { "container.sh": "echo" }, digest: "d" });
const limiter = (maxConcurrent: number) => new ConcurrencyLimiter({ redis, prefix, maxConcurrent });

describe("ConcurrencyLimiter", () => {
  it("lets one code run per service workspace run and queues the rest oldest first", async () => {
    const slots = limiter(0);
    expect(
      await slots.acquire({ runId: "a", service: "trader", createdAtMs: 1, payload: payload("a") }),
    ).toEqual({ status: "acquired" });
    expect(
      await slots.acquire({ runId: "c", service: "trader", createdAtMs: 3, payload: payload("c") }),
    ).toEqual({ status: "waiting", reason: "workspace" });
    expect(
      await slots.acquire({ runId: "b", service: "trader", createdAtMs: 2, payload: payload("b") }),
    ).toEqual({ status: "waiting", reason: "workspace" });
    expect(
      await slots.acquire({ runId: "x", service: "billing", createdAtMs: 4, payload: payload("x") }),
    ).toEqual({ status: "acquired" });
    expect(await slots.acquire({ runId: "d", createdAtMs: 5, payload: payload("d") })).toEqual({
      status: "acquired",
    });
    expect((await slots.waiting()).map((w) => w.runId)).toEqual(["b", "c"]);
    expect(await slots.release("a")).toEqual({ held: true, waited: false, promoted: ["b"] });
    expect(await slots.payload("b")).toEqual(payload("b"));
    expect(await slots.pendingPromotions()).toEqual(["b"]);
    await slots.dispatched("b");
    expect(await slots.pendingPromotions()).toEqual([]);
    expect(await slots.release("b")).toEqual({ held: true, waited: false, promoted: ["c"] });
    expect(await slots.release("c")).toEqual({ held: true, waited: false, promoted: [] });
  });

  it("caps active runs globally and promotes the oldest run that fits", async () => {
    const slots = limiter(2);
    await slots.acquire({ runId: "a", service: "s1", createdAtMs: 1, payload: payload("a") });
    await slots.acquire({ runId: "b", createdAtMs: 2, payload: payload("b") });
    expect(
      await slots.acquire({ runId: "c", service: "s1", createdAtMs: 3, payload: payload("c") }),
    ).toMatchObject({ reason: "workspace" });
    expect(await slots.acquire({ runId: "d", createdAtMs: 4, payload: payload("d") })).toMatchObject({
      reason: "global",
    });
    // b ends: c still needs s1's workspace, so d (younger, but able to run) takes the slot
    expect((await slots.release("b")).promoted).toEqual(["d"]);
    expect((await slots.release("a")).promoted).toEqual(["c"]);
  });

  it("is idempotent: a replayed acquire keeps the slot or the place in line", async () => {
    const slots = limiter(1);
    await slots.acquire({ runId: "a", createdAtMs: 1, payload: payload("a") });
    expect(await slots.acquire({ runId: "a", createdAtMs: 1, payload: payload("a") })).toEqual({
      status: "acquired",
    });
    await slots.acquire({ runId: "b", createdAtMs: 2, payload: payload("b") });
    expect(await slots.acquire({ runId: "b", createdAtMs: 2, payload: payload("b") })).toEqual({
      status: "waiting",
      reason: "global",
    });
    expect(await slots.waiting()).toHaveLength(1);
  });

  it("removes a waiting run without promoting anyone into a busy slot", async () => {
    const slots = limiter(0);
    await slots.acquire({ runId: "a", service: "s", createdAtMs: 1, payload: payload("a") });
    await slots.acquire({ runId: "b", service: "s", createdAtMs: 2, payload: payload("b") });
    expect(await slots.release("b")).toEqual({ held: false, waited: true, promoted: [] });
    expect(await slots.payload("b")).toBeUndefined();
    expect(await slots.waiting()).toEqual([]);
    expect(await slots.release("nobody")).toEqual({ held: false, waited: false, promoted: [] });
  });
});
