import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RedisContext, redisContext } from "../test/redis-context.js";
import { DurableWorkSet } from "./durable-work-set.js";

let ctx: RedisContext;
let clock: number;
let set: DurableWorkSet;
beforeEach(async () => {
  ctx = await redisContext("ws");
  clock = 1_000_000;
  set = new DurableWorkSet(ctx.redis, `${ctx.prefix}:due`, 60_000, () => clock);
});
afterEach(async () => {
  await ctx.cleanup();
});

describe("DurableWorkSet", () => {
  it("collapses repeated marks into one unit of work, due after the debounce", async () => {
    await set.mark("a", 1000);
    await set.mark("a", 1000);
    expect(await set.claim(10)).toEqual([]);
    clock += 1000;
    const claims = await set.claim(10);
    expect(claims.map((c) => c.id)).toEqual(["a"]);
    await set.complete(claims[0]!);
    expect(await set.size()).toBe(0);
  });

  it("does the work again when the id was marked while it was being worked on", async () => {
    await set.mark("a");
    const [claim] = await set.claim(10);
    await set.mark("a");
    await set.complete(claim!);
    expect((await set.claim(10)).map((c) => c.id)).toEqual(["a"]);
  });

  it("hands a claimed id out again once the lease of a crashed worker expires", async () => {
    await set.mark("a");
    expect(await set.claim(10)).toHaveLength(1);
    expect(await set.claim(10)).toHaveLength(0);
    clock += 60_001;
    expect(await set.claim(10)).toHaveLength(1);
  });

  it("counts failed attempts until the id completes", async () => {
    await set.mark("a");
    const [first] = await set.claim(10);
    await set.retry(first!, 500);
    clock += 500;
    const [second] = await set.claim(10);
    expect(second?.attempts).toBe(1);
    await set.complete(second!);
    await set.mark("a");
    expect((await set.claim(10))[0]?.attempts).toBe(0);
  });
});
