import { DEFAULT_RETRY_PROMPT, QUEUES, type RunRecord, type RunRequest } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { createQueue, type TypedQueue } from "@orchestrator/queue";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest, docsRequest } from "../../test/fixtures/runs.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { retryDecision, startRetry } from "./auto-retry.js";

let ctx: RedisContext;
let renderQueue: TypedQueue<typeof QUEUES.render>;
beforeEach(async () => {
  ctx = await redisContext("retry");
  renderQueue = createQueue(QUEUES.render, { connection: ctx.redis, prefix: ctx.prefix });
});
afterEach(async () => {
  await renderQueue.close();
  await ctx.cleanup();
});

async function failedRun(
  request: RunRequest = codeRequest({ maxRetries: 1 }),
  ran = true,
): Promise<RunRecord> {
  const { run } = await ctx.runStore.create({
    request,
    singleFlightKey: `sf-${request.idempotencyKey}`,
    runtime: "kubernetes",
  });
  await ctx.runStore.transition(run.id, "Rendering", "rendering");
  await ctx.runStore.transition(run.id, "Dispatched", "job created");
  // no Running phase either way: a loaded watcher may never observe it; the container state decides
  if (!ran)
    return ctx.runStore.transition(run.id, "Failed", "pod did not start within 10m", {
      failureReason: "PendingTimeout",
    });
  return ctx.runStore.transition(run.id, "Failed", "agent was OOMKilled (memory limit 4Gi)", {
    result: { sessionId: "a1b2c3" },
    logTail: "npm test\nKilled",
    failureReason: "OOMKilled",
    agentStarted: true,
  });
}

describe("automatic retries", () => {
  it("starts attempt 2 with the next context version, the session continued and the retry prompt", async () => {
    const run = await failedRun();
    expect(retryDecision(run)).toEqual({ retry: true });
    const retry = await startRetry(
      { runStore: ctx.runStore, renderQueue, log: silentLogger(), handOver: undefined },
      run,
      "automatic retry",
    );
    expect(retry).toMatchObject({
      attempt: 2,
      phase: "Queued",
      runtime: "kubernetes",
      singleFlightKey: run.singleFlightKey,
    });
    expect(retry?.request).toMatchObject({
      kind: "code",
      contextVersion: 2,
      continueSession: true,
      retryCount: 1,
      maxRetries: 1,
      retryOf: run.id,
      sessionId: "a1b2c3",
    });
    if (retry?.request.kind === "code") {
      expect(retry.request.promptModification).toContain(DEFAULT_RETRY_PROMPT);
      expect(retry.request.promptModification).toContain("OOMKilled");
      // the log tail stays on the failed run: the request is served by the API and sent to callbacks
      expect(retry.request.promptModification).not.toContain("npm test");
    }
    expect((await renderQueue.getJob(retry!.id))?.data).toEqual({ runId: retry!.id });
    const old = await ctx.runStore.get(run.id);
    expect(old?.retriedBy).toBe(retry!.id);
    // the retry itself has no retries left
    expect(retryDecision({ ...retry!, phase: "Failed", timeline: old!.timeline })).toMatchObject({
      retry: false,
    });
  });

  it("makes one retry when asked twice", async () => {
    const run = await failedRun();
    const deps = { runStore: ctx.runStore, renderQueue, log: silentLogger(), handOver: undefined };
    const first = await startRetry(deps, run, "x");
    const second = await startRetry(deps, run, "x");
    expect(second?.id).toBe(first?.id);
    expect((await ctx.runStore.list()).runs).toHaveLength(2);
  });

  it("never retries docs runs, cancelled runs, runs out of retries or runs that never started", async () => {
    expect(retryDecision(await failedRun(docsRequest()))).toMatchObject({
      retry: false,
      why: expect.stringContaining("docs"),
    });
    expect(retryDecision(await failedRun(codeRequest({ maxRetries: 0 })))).toMatchObject({ retry: false });
    expect(retryDecision(await failedRun(codeRequest({ maxRetries: 2 }), false))).toMatchObject({
      retry: false,
      why: "the run failed before its agent started",
    });
    // a pending timeout after a pod was seen Running once stays "never started" unless the container ran
    const pending = await failedRun(codeRequest({ maxRetries: 2 }), false);
    expect(
      retryDecision({
        ...pending,
        timeline: [...pending.timeline, { ...pending.timeline[0]!, phase: "Running" }],
      }),
    ).toMatchObject({ retry: false });
    // an exit code alone is proof that the agent ran, whatever phases were recorded
    expect(retryDecision({ ...pending, failureReason: "ExitCode" })).toEqual({ retry: true });
    const cancelled = { ...(await failedRun()), cancelRequestedAt: new Date().toISOString() };
    expect(retryDecision(cancelled)).toMatchObject({ retry: false, why: "cancelled" });
  });

  it("never retries a run whose outcome is unknown (its Job was removed before the result was read)", async () => {
    const unknown = { ...(await failedRun()), failureReason: "OutcomeUnknown" };
    expect(retryDecision(unknown)).toMatchObject({ retry: false, why: expect.stringContaining("unknown") });
  });

  it("hands the run's GitHub comment over to the retry, so one comment tracks every attempt", async () => {
    const run = await ctx.runStore.update((await failedRun()).id, (r) => ({
      ...r,
      links: { ...r.links, githubCommentId: 4711 },
    }));
    const handedOver: string[] = [];
    const retry = await startRetry(
      {
        runStore: ctx.runStore,
        renderQueue,
        log: silentLogger(),
        handOver: async (r) => {
          handedOver.push(r.id);
        },
      },
      run,
      "x",
    );
    expect((await ctx.runStore.get(retry!.id))?.links.githubCommentId).toBe(4711);
    expect(handedOver).toEqual([retry!.id]);
  });
});
