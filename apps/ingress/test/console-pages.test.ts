import { codeRunRequestSchema } from "@orchestrator/contracts";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunsPage, type RunsQuery, runsQuerySchema } from "../src/ui/runs-page.js";

const TOTAL = 1500;
let redis: Redis;
let prefix: string;
let store: RunStore;

beforeAll(async () => {
  redis = await connectTestRedis();
  prefix = uniquePrefix();
  store = new RunStore({ redis, prefix, retentionMs: 3_600_000 });
  for (let batch = 0; batch < TOTAL; batch += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const n = batch + i;
        return store.create({
          request: codeRunRequestSchema.parse({
            kind: "code",
            idempotencyKey: `console-${n}`,
            source: { type: "api", actor: "pm" },
            repositoryUrl: "git@github.com:5dlabs/trader.git",
            docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
            workingDirectory: "trader",
            model: "claude-sonnet-4-20250514",
            githubUser: "swe-1-5dlabs",
            taskId: n,
            // one run in ten belongs to the rare service
            service: n % 10 === 0 ? "rare" : "trader",
          }),
        });
      }),
    );
  }
}, 60_000);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** Follows the "Older runs" cursors to the end. */
async function walk(query: Omit<RunsQuery, "cursor">): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await loadRunsPage(store, runsQuerySchema.parse({ ...query, cursor }));
    expect(page.runs.length).toBeLessThanOrEqual(50);
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe("console runs pages over thousands of runs", () => {
  it("pages through every run exactly once, newest first", async () => {
    const { ids, pages } = await walk({});
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    // 50 a page (the store may hand out one last cursor to an empty page)
    expect(pages).toBeLessThanOrEqual(TOTAL / 50 + 1);
    const created = await Promise.all(
      ids.slice(0, 60).map(async (id) => Date.parse((await store.get(id))!.createdAt)),
    );
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it("pages a filter the store does not index (service) without losing or repeating a run", async () => {
    const { ids } = await walk({ service: "rare" });
    expect(ids).toHaveLength(TOTAL / 10);
    expect(new Set(ids).size).toBe(TOTAL / 10);
    for (const run of await Promise.all(ids.slice(0, 20).map((id) => store.get(id))))
      expect(run?.request.kind === "code" && run.request.service).toBe("rare");
  });

  it("matches the text filter against ids and repositories, and ignores blank form fields", async () => {
    const [first] = (await store.list({ limit: 1 })).runs;
    const byId = await loadRunsPage(store, runsQuerySchema.parse({ q: first!.id, phase: "", service: "" }));
    expect(byId.runs.map((r) => r.id)).toEqual([first!.id]);
    const none = await loadRunsPage(store, runsQuerySchema.parse({ q: "no-such-text-anywhere" }));
    expect(none.runs).toEqual([]);
    expect(runsQuerySchema.safeParse({ phase: "Exploded" }).success).toBe(false);
  });
});
