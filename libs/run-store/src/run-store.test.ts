import {
  codeRunRequestSchema,
  type RunEvent,
  type RunRequest,
  runRequestSchema,
} from "@orchestrator/contracts";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidRunRequestError, InvalidTransitionError, RunStore, subscribeRunEvents } from "./index.js";

let redis: Redis;
let subscriber: Redis;
let prefix: string;
let store: RunStore;

const request = (key: string): RunRequest =>
  codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: key,
    source: { type: "api", actor: "pm" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId: 1,
    service: "trader",
  });

beforeAll(async () => {
  redis = await connectTestRedis();
  subscriber = await connectTestRedis("worker");
});
afterAll(async () => {
  redis.disconnect();
  subscriber.disconnect();
});
beforeEach(() => {
  prefix = uniquePrefix("runs");
  store = new RunStore({ redis, prefix, retentionMs: 60_000 });
});
afterEach(async () => {
  await deletePrefix(redis, prefix);
});

describe("RunStore", () => {
  it("creates a queued run with a timeline and finds it by id", async () => {
    const { outcome, run } = await store.create({ request: request("k1") });
    expect(outcome).toBe("created");
    expect(run.id).toMatch(/^run-[a-z0-9]{17}$/);
    const loaded = await store.get(run.id);
    expect(loaded?.phase).toBe("Queued");
    expect(loaded?.timeline).toEqual([expect.objectContaining({ phase: "Queued", reason: "accepted" })]);
  });

  it("returns the existing run for a repeated idempotency key and creates nothing", async () => {
    const first = await store.create({ request: request("same") });
    const second = await store.create({ request: request("same") });
    expect(second).toMatchObject({ outcome: "duplicate", run: { id: first.run.id } });
    expect((await store.list()).runs).toHaveLength(1);
  });

  it("sets the caller's pointer key to a created run, with its ttl, and leaves it alone for a duplicate", async () => {
    const key = `${prefix}:pointer`;
    const first = await store.create({ request: request("p1"), pointer: { key, ttlMs: 30_000 } });
    expect(await redis.get(key)).toBe(first.run.id);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await redis.set(key, "moved-on");
    const again = await store.create({ request: request("p1"), pointer: { key, ttlMs: 30_000 } });
    expect(again.outcome).toBe("duplicate");
    expect(await redis.get(key)).toBe("moved-on");
  });

  it("refuses a second active run for the same single-flight key until the first ends", async () => {
    const first = await store.create({ request: request("a"), singleFlightKey: "github:o/r#1:code" });
    const second = await store.create({ request: request("b"), singleFlightKey: "github:o/r#1:code" });
    expect(second).toMatchObject({ outcome: "active", run: { id: first.run.id } });
    await store.transition(first.run.id, "Failed", "agent exited 1");
    const third = await store.create({ request: request("c"), singleFlightKey: "github:o/r#1:code" });
    expect(third.outcome).toBe("created");
  });

  it("records each transition with its reason, publishes an event, and keeps final phases final", async () => {
    const events: RunEvent[] = [];
    const unsubscribe = await subscribeRunEvents(subscriber, store.channel, (e) => events.push(e));
    const { run } = await store.create({ request: request("t") });
    await store.transition(run.id, "Rendering", "rendering templates");
    await store.transition(run.id, "Dispatched", "job created", { links: { job: "job-1" } });
    const done = await store.transition(run.id, "Succeeded", "agent finished", {
      result: { pullRequestUrl: "https://github.com/o/r/pull/9" },
    });
    expect(done.timeline.map((t) => t.phase)).toEqual(["Queued", "Rendering", "Dispatched", "Succeeded"]);
    expect(done.links.job).toBe("job-1");
    expect(done.result?.pullRequestUrl).toBe("https://github.com/o/r/pull/9");
    await expect(store.transition(run.id, "Running", "late event")).rejects.toBeInstanceOf(
      InvalidTransitionError,
    );
    expect(await store.tryTransition(run.id, "Failed", "late")).toBeUndefined();
    await expect.poll(() => events.map((e) => e.phase)).toEqual(["Rendering", "Dispatched", "Succeeded"]);
    expect(events[2]).toMatchObject({ runId: run.id, previousPhase: "Dispatched", reason: "agent finished" });
    await unsubscribe();
  });

  it("gives a finished run a retention TTL and leaves active runs without one", async () => {
    const { run } = await store.create({ request: request("ttl") });
    expect(await redis.pttl(`${prefix}:run:${run.id}`)).toBe(-1);
    await store.transition(run.id, "Cancelled", "cancelled by user");
    const ttl = await redis.pttl(`${prefix}:run:${run.id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("lets concurrent writers all land without losing an update", async () => {
    const { run } = await store.create({ request: request("cc") });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.update(run.id, (r) => ({ ...r, links: { ...r.links, [`pod`]: `${r.links.pod ?? ""}${i},` } })),
      ),
    );
    const pods = (await store.get(run.id))?.links.pod?.split(",").filter(Boolean) ?? [];
    expect(pods.sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("lists newest first with filters and paging", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const tick = () => {
      now += 1000;
      return new Date(now);
    };
    store = new RunStore({ redis, prefix, retentionMs: 60_000, now: tick });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.create({ request: request(`p${i}`) })).run.id);
    await store.transition(ids[1]!, "Failed", "x");
    const page1 = await store.list({ limit: 2 });
    expect(page1.runs.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    const page2 = await store.list({ limit: 2, cursor: page1.nextCursor });
    expect(page2.runs.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect((await store.list({ phase: "Failed" })).runs.map((r) => r.id)).toEqual([ids[1]]);
    expect((await store.list({ repository: "5dlabs/trader" })).runs).toHaveLength(5);
    expect((await store.list({ kind: "docs" })).runs).toHaveLength(0);
  });

  it("keeps answering a redelivery with the active run it was given, even after that run ended", async () => {
    const first = await store.create({ request: request("first"), singleFlightKey: "github:o/r#2:code" });
    const blocked = await store.create({
      request: request("second"),
      singleFlightKey: "github:o/r#2:code",
      bindToActive: true,
    });
    expect(blocked).toMatchObject({ outcome: "active", run: { id: first.run.id } });
    await store.transition(first.run.id, "Failed", "agent exited 1");
    const redelivered = await store.create({
      request: request("second"),
      singleFlightKey: "github:o/r#2:code",
    });
    expect(redelivered).toMatchObject({ outcome: "duplicate", run: { id: first.run.id } });
    expect((await store.list()).runs).toHaveLength(1);
  });

  it("never skips runs created in the same millisecond at a page boundary", async () => {
    const fixed = new Date("2026-01-01T00:00:00Z");
    store = new RunStore({ redis, prefix, retentionMs: 60_000, now: () => fixed });
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await store.create({ request: request(`same-ms-${i}`) })).run.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 2, cursor });
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("lists every run even when more than a batch of them were created in the same millisecond", async () => {
    const fixed = new Date("2026-01-01T00:00:00Z");
    store = new RunStore({ redis, prefix, retentionMs: 60_000, now: () => fixed });
    for (let i = 0; i < 230; i++) await store.create({ request: request(`burst-${i}`) });
    expect((await store.list({ limit: 500 })).runs).toHaveLength(230);
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 100, cursor });
      for (const run of page.runs) seen.add(run.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(230);
  });

  it("keeps a retry's idempotency key free when the single-flight key is busy", async () => {
    const a = await store.create({ request: request("a"), singleFlightKey: "github:o/r#3:code" });
    await store.transition(a.run.id, "Failed", "x");
    const b = await store.create({ request: request("b"), singleFlightKey: "github:o/r#3:code" });
    const retry = request(`retry:${a.run.id}`);
    expect(await store.create({ request: retry, singleFlightKey: "github:o/r#3:code" })).toMatchObject({
      outcome: "active",
      run: { id: b.run.id },
    });
    await store.transition(b.run.id, "Succeeded", "done");
    expect((await store.create({ request: retry, singleFlightKey: "github:o/r#3:code" })).outcome).toBe(
      "created",
    );
  });

  it("does not parse again a request the caller just validated, and parses every other one", async () => {
    const parse = vi.spyOn(runRequestSchema, "safeParse");
    try {
      await store.create({ request: request("v1"), validated: true });
      expect(parse).not.toHaveBeenCalled();
      await store.create({ request: request("v2") });
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it("refuses a request that breaks the contract instead of storing a record nobody can read", async () => {
    const bad = { ...request("too-long"), promptModification: "x".repeat(20_000) } as RunRequest;
    await expect(store.create({ request: bad })).rejects.toBeInstanceOf(InvalidRunRequestError);
    expect((await store.list()).runs).toHaveLength(0);
  });

  it("lists the readable runs when one stored record is corrupt", async () => {
    const { run } = await store.create({ request: request("ok") });
    await redis.hset(`${prefix}:run:run-corrupt00000000000`, "json", "{not json", "v", 1);
    await redis.zadd(`${prefix}:runs`, Date.now(), "run-corrupt00000000000");
    expect((await store.list()).runs.map((r) => r.id)).toEqual([run.id]);
  });
});
