import { docsRunRequestSchema, QUEUES } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { createQueue, type TypedJob } from "@orchestrator/queue";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderFailureHandler, STALLED_REASON } from "../src/render-failure.js";

let client: Redis;
beforeAll(async () => {
  client = await connectTestRedis();
});
afterAll(() => client.disconnect());

const request = docsRunRequestSchema.parse({
  kind: "docs",
  idempotencyKey: "crashed",
  source: { type: "cli" },
  repositoryUrl: "git@github.com:5dlabs/platform.git",
  workingDirectory: "_projects/trader",
  model: "claude-opus-4-20250514",
  sourceBranch: "main",
  githubUser: "swe-1-5dlabs",
});

describe("a render job BullMQ gave up on", () => {
  it("is rendered again when renderer processes died under it, and fails the run only for its own errors", async () => {
    const prefix = uniquePrefix("render-failure");
    const runStore = new RunStore({ redis: client, prefix, retentionMs: 60_000 });
    const renderQueue = createQueue(QUEUES.render, { connection: client, prefix });
    const dispatchQueue = createQueue(QUEUES.dispatch, { connection: client, prefix });
    const onFailed = createRenderFailureHandler({
      runStore,
      renderQueue,
      dispatchQueue,
      log: silentLogger(),
    });
    try {
      const crashed = (await runStore.create({ request })).run;
      const broken = (await runStore.create({ request: { ...request, idempotencyKey: "broken" } })).run;
      for (const run of [crashed, broken])
        await renderQueue.add("render", { runId: run.id }, { jobId: run.id });
      const job = (id: string) => renderQueue.getJob(id) as Promise<TypedJob<"render">>;

      // two renderer crashes (stalled past the limit): the run is not failed, its render is queued again
      const stalled = await job(crashed.id);
      Object.assign(stalled, { attemptsMade: stalled.opts.attempts ?? 1 }); // given up, as BullMQ does
      await onFailed(stalled, new Error(STALLED_REASON));
      expect((await runStore.get(crashed.id))?.phase).toBe("Queued");
      expect(await renderQueue.getJobState(crashed.id)).toBe("waiting");

      // every attempt failed for the render's own (transient) reason: the run fails with it
      const last = await job(broken.id);
      Object.assign(last, { attemptsMade: last.opts.attempts ?? 1 });
      await onFailed(last, new Error("ETIMEDOUT reading templates"));
      const failed = await runStore.get(broken.id);
      expect(failed?.phase).toBe("Failed");
      expect(failed?.message).toMatch(/render failed after \d+ attempts: ETIMEDOUT reading templates/);
    } finally {
      await renderQueue.close();
      await dispatchQueue.close();
      await deletePrefix(client, prefix);
    }
  });
});
