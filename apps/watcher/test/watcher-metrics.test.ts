import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest, docsRequest } from "./fixtures/runs.js";
import { type RedisContext, redisContext } from "./redis-context.js";
import { startTestWatcher, type TestWatcher } from "./watcher-harness.js";

let ctx: RedisContext;
let dataDir: string;
const watchers: TestWatcher[] = [];

beforeEach(async () => {
  ctx = await redisContext("wm");
  dataDir = await mkdtemp(join(tmpdir(), "watcher-metrics-"));
});
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
  await ctx.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<TestWatcher> {
  const w = await startTestWatcher(ctx, { kind: "local", dataDir });
  watchers.push(w);
  return w;
}

async function runsTotal(w: TestWatcher, kind: string, phase: string): Promise<number> {
  const metric = await w.registry.getSingleMetric("orchestrator_runs_total")?.get();
  return metric?.values.find((v) => v.labels.kind === kind && v.labels.phase === phase)?.value ?? 0;
}

describe("run metrics", () => {
  it("counts runs other services finished while the watcher was down, once across restarts", async () => {
    // the dispatcher failed one (a missing secret), ingress cancelled another, while no watcher ran
    const { run: failed } = await ctx.runStore.create({ request: codeRequest() });
    await ctx.runStore.transition(failed.id, "Rendering", "rendering templates");
    await ctx.runStore.transition(failed.id, "Failed", 'secret "anthropic-api-key" does not exist');
    const { run: cancelled } = await ctx.runStore.create({ request: docsRequest() });
    await ctx.runStore.transition(cancelled.id, "Cancelled", "cancelled by pm");

    const first = await start();
    // final-phase effects are durable work items worked off in the background: finish them
    await first.watcher.finalEffects.drain();
    expect(await runsTotal(first, "code", "Failed")).toBe(1);
    expect(await runsTotal(first, "docs", "Cancelled")).toBe(1);
    expect(await first.registry.metrics()).toMatch(
      /orchestrator_run_duration_seconds_count\{kind="code",phase="Failed"\} 1/,
    );

    // a run cancelled by ingress while the watcher runs is counted from its run event
    const { run: live } = await ctx.runStore.create({ request: codeRequest() });
    await ctx.runStore.transition(live.id, "Cancelled", "cancelled by pm");
    await expect.poll(() => runsTotal(first, "code", "Cancelled")).toBe(1);

    await first.stop();
    watchers.splice(0);
    // a restart sees the same runs again but does not count them a second time
    const second = await start();
    await second.watcher.finalEffects.drain();
    expect(await runsTotal(second, "code", "Failed")).toBe(0);
    expect(await runsTotal(second, "docs", "Cancelled")).toBe(0);
    expect(await runsTotal(second, "code", "Cancelled")).toBe(0);
  });
});
