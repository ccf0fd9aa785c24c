import { buildRetryRequest, QUEUES } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { createQueue } from "@orchestrator/queue";
import { Counter, Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAST_GITHUB, type FakeGithub, startFakeGithub } from "../../test/fake-github.js";
import { codeRequest, githubSource } from "../../test/fixtures/runs.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { startRetry } from "../retries/auto-retry.js";
import { watcherGithubClient } from "./github-client.js";
import { GithubRateLimitError } from "./github-rate-limit-error.js";
import { GithubReporter } from "./github-reporter.js";

let github: FakeGithub;
let ctx: RedisContext;

beforeEach(async () => {
  github = await startFakeGithub();
  ctx = await redisContext("gh");
});
afterEach(async () => {
  await github.stop();
  await ctx.cleanup();
});

function reporter(
  client = watcherGithubClient({ apiUrl: github.url, auth: { token: "ghp_test" }, ...FAST_GITHUB }),
) {
  return new GithubReporter({
    runStore: ctx.runStore,
    redis: ctx.redis,
    keyPrefix: `${ctx.prefix}:watcher`,
    client,
    publicUrl: "https://orchestrator.example.com",
    retentionMs: 60_000,
    log: silentLogger(),
    comments: new Counter({ name: "c", help: "c", labelNames: ["outcome"], registers: [new Registry()] }),
  });
}

const writes = () => github.requests.filter((r) => r.method !== "GET");

describe("GitHub reporter", () => {
  it("creates one comment at start and edits it in place on every phase change", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource(12) }) });
    const r = reporter();
    expect(await r.sync(run.id)).toBe("created");
    const comment = [...github.comments.values()][0]!;
    expect(comment).toMatchObject({ repository: "5dlabs/trader", issue: 12 });
    expect(comment.body).toContain("Queued");
    expect(comment.body).toContain(`orchestrator runs logs ${run.id}`);
    expect(comment.body).toContain(`https://orchestrator.example.com/api/v1/runs/${run.id}`);
    expect((await ctx.runStore.get(run.id))?.links.githubCommentId).toBe(comment.id);

    await ctx.runStore.transition(run.id, "Running", "agent running");
    expect(await r.sync(run.id)).toBe("updated");
    await ctx.runStore.transition(run.id, "Succeeded", "agent finished", {
      result: { pullRequestUrl: "https://github.com/5dlabs/trader/pull/99" },
    });
    expect(await r.sync(run.id)).toBe("updated");
    expect(github.comments.size).toBe(1);
    expect(comment.body).toContain("✅ Succeeded");
    expect(comment.body).toContain("https://github.com/5dlabs/trader/pull/99");
    expect(comment.body).toMatch(/\*\*Duration\*\* \| \d+s/);
    expect(writes().map((w) => w.method)).toEqual(["POST", "PATCH", "PATCH"]);
    expect(github.requests[0]?.headers.authorization).toBe("token ghp_test");
  });

  it("skips edits that would not change the comment, also after a restart", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource() }) });
    await reporter().sync(run.id);
    expect(await reporter().sync(run.id)).toBe("unchanged");
    expect(writes()).toHaveLength(1);
  });

  it("never posts a second comment when a crash hit between creating it and recording its id", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource() }) });
    await reporter().sync(run.id);
    // simulate the lost write: the run record never got the comment id
    await ctx.runStore.update(run.id, (r) => ({ ...r, links: {} }));
    await ctx.runStore.transition(run.id, "Running", "agent running");
    expect(await reporter().sync(run.id)).toBe("updated");
    expect(github.comments.size).toBe(1);
    expect([...github.comments.values()][0]?.body).toContain("Running");
  });

  it("backs off on a rate limit and does not call GitHub again until it expires", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource() }) });
    github.failNext(403, 1, {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 30),
    });
    const r = reporter();
    await expect(r.sync(run.id)).rejects.toBeInstanceOf(GithubRateLimitError);
    const error = await r.sync(run.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GithubRateLimitError);
    expect((error as GithubRateLimitError).retryAfterMs).toBeGreaterThan(20_000);
    expect(github.requests).toHaveLength(1);
  });

  it("tracks every attempt of a run in its one comment: an automatic retry edits it and says attempt 2", async () => {
    const { run } = await ctx.runStore.create({
      request: codeRequest({ source: githubSource(12), maxRetries: 1 }),
    });
    const r = reporter();
    await r.sync(run.id);
    await ctx.runStore.transition(run.id, "Running", "agent running");
    const failed = await ctx.runStore.transition(run.id, "Failed", "agent was OOMKilled (memory limit 4Gi)");
    await r.sync(run.id);
    const renderQueue = createQueue(QUEUES.render, { connection: ctx.redis, prefix: ctx.prefix });
    try {
      const deps = { runStore: ctx.runStore, renderQueue, log: silentLogger(), handOver: undefined };
      const retry = (await startRetry(deps, failed, "automatic retry"))!;
      expect(await r.sync(retry.id)).toBe("updated");
      // the retried attempt no longer writes the comment the retry now owns
      expect(await r.sync(run.id)).toBe("skipped");
    } finally {
      await renderQueue.close();
    }
    expect(github.comments.size).toBe(1);
    const body = [...github.comments.values()][0]!.body;
    expect(body).toContain("attempt 2 of 2");
    expect(body).toContain(`Previous attempt** | \`${run.id}\``);
    expect(writes().map((w) => w.method)).toEqual(["POST", "PATCH", "PATCH"]);
  });

  it("edits the comment of the attempt a manual retry (/orchestrator retry) retries", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource(12) }) });
    await reporter().sync(run.id);
    const failed = await ctx.runStore.transition(run.id, "Failed", "agent exited with code 1");
    // what ingress does: a new run from buildRetryRequest, nothing carried over
    const { run: retry } = await ctx.runStore.create({ request: buildRetryRequest(failed), attempt: 2 });
    expect(await reporter().sync(retry.id)).toBe("updated");
    expect(github.comments.size).toBe(1);
    expect([...github.comments.values()][0]!.body).toContain(`\`${retry.id}\` · attempt 2`);
  });

  it("ignores runs that did not come from a GitHub issue or PR", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest() });
    expect(await reporter().sync(run.id)).toBe("skipped");
    expect(github.requests).toHaveLength(0);
  });
});
