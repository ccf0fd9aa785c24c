import { codeRunRequestSchema, type RunRequest } from "@orchestrator/contracts";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { RunStore } from "./index.js";

let redis: Redis;
let prefix: string;
let store: RunStore;

const request = (key: string, taskId = 1, service = "trader"): RunRequest =>
  codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: key,
    source: { type: "api", actor: "pm" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: service,
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId,
    service,
  });

let clock = Date.parse("2026-01-01T00:00:00Z");
const tick = () => {
  clock += 1000;
  return new Date(clock);
};
const withSession = (id: string, sessionId: string) =>
  store.update(id, (r) => ({ ...r, result: { outcome: "succeeded", sessionId } }));

beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis.disconnect());
beforeEach(() => {
  prefix = uniquePrefix("sessions");
  // every run is created 1 s after the previous one, so "newest" is unambiguous
  store = new RunStore({ redis, prefix, retentionMs: 60_000, now: tick });
});
afterEach(async () => {
  await deletePrefix(redis, prefix);
});

describe("RunStore.lastSession", () => {
  it("finds the newest session of the service and task from one key, without listing runs", async () => {
    const older = await store.create({ request: request("a") });
    const newer = await store.create({ request: request("b") });
    await store.create({ request: request("other-task", 2) });
    await store.create({ request: request("other-service", 1, "billing") });
    // the newer run records its session first; the older one's, recorded later, must not win
    await withSession(newer.run.id, "sess-new");
    await withSession(older.run.id, "sess-old");
    const list = vi.spyOn(store, "list");
    expect(await store.lastSession("trader", 1)).toEqual({ runId: newer.run.id, sessionId: "sess-new" });
    expect(list).not.toHaveBeenCalled();
    expect(await store.lastSession("trader", 2)).toBeUndefined();
    expect(await store.lastSession("billing", 1)).toBeUndefined();
  });

  it("remembers that a task has no session until a run records one", async () => {
    const run = await store.create({ request: request("a") });
    expect(await store.lastSession("trader", 1)).toBeUndefined();
    const list = vi.spyOn(store, "list");
    expect(await store.lastSession("trader", 1)).toBeUndefined();
    expect(list).not.toHaveBeenCalled();
    await withSession(run.run.id, "sess-1");
    expect(await store.lastSession("trader", 1)).toEqual({ runId: run.run.id, sessionId: "sess-1" });
  });

  it("rebuilds a missing pointer from the runs (recorded before it existed) and skips a run that is gone", async () => {
    const older = await store.create({ request: request("a") });
    const newer = await store.create({ request: request("b") });
    await withSession(older.run.id, "sess-old");
    await withSession(newer.run.id, "sess-new");
    const keys = await redis.keys(`${prefix}:session:*`);
    expect(keys).toHaveLength(1);
    await redis.del(keys[0]!);
    expect(await store.lastSession("trader", 1)).toEqual({ runId: newer.run.id, sessionId: "sess-new" });
    // the newer run expires: its session is no longer offered, the older one is found again
    await redis.del(`${prefix}:run:${newer.run.id}`);
    expect(await store.lastSession("trader", 1)).toEqual({ runId: older.run.id, sessionId: "sess-old" });
  });

  it("never offers a session id that is not a plain id", async () => {
    const run = await store.create({ request: request("a") });
    await withSession(run.run.id, "../../etc; rm -rf");
    expect(await store.lastSession("trader", 1)).toBeUndefined();
  });
});
