import { generateKeyPairSync } from "node:crypto";
import { silentLogger } from "@orchestrator/observability";
import { Counter, Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAST_GITHUB, type FakeGithub, startFakeGithub } from "../../test/fake-github.js";
import { codeRequest, githubSource } from "../../test/fixtures/runs.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { watcherGithubClient } from "./github-client.js";
import { GithubReporter } from "./github-reporter.js";

let github: FakeGithub;
let ctx: RedisContext;
beforeEach(async () => {
  github = await startFakeGithub();
  ctx = await redisContext("ghchk");
  github.pulls.set("5dlabs/trader#31", {
    number: 31,
    head: {
      ref: "feature",
      sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
      repo: { full_name: "5dlabs/trader" },
    },
    base: { ref: "main" },
  });
});
afterEach(async () => {
  await github.stop();
  await ctx.cleanup();
});

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const appAuth = { appId: "123", privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };

const reporter = (auth: { token: string } | typeof appAuth = appAuth) =>
  new GithubReporter({
    runStore: ctx.runStore,
    redis: ctx.redis,
    keyPrefix: `${ctx.prefix}:watcher`,
    client: watcherGithubClient({ apiUrl: github.url, auth, ...FAST_GITHUB }),
    publicUrl: "https://orchestrator.example.com",
    retentionMs: 60_000,
    log: silentLogger(),
    comments: new Counter({ name: "c", help: "c", labelNames: ["outcome"], registers: [new Registry()] }),
  });

const prSource = () => ({ ...githubSource(31), event: "pull_request", isPullRequest: true });

describe("Check Runs for runs asked from a pull request", () => {
  it("moves one check run on the head commit queued → in_progress → completed, with the summary and a link", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: prSource() }) });
    const r = reporter();
    await r.sync(run.id);
    await ctx.runStore.transition(run.id, "Running", "agent running");
    await r.sync(run.id);
    await ctx.runStore.transition(run.id, "Succeeded", "agent finished");
    await r.sync(run.id);
    expect(github.checkRuns.size).toBe(1);
    const check = [...github.checkRuns.values()][0]!;
    expect(check).toMatchObject({
      repository: "5dlabs/trader",
      head_sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
      external_id: run.id,
      name: "orchestrator code",
      details_url: `https://orchestrator.example.com/api/v1/runs/${run.id}`,
    });
    expect(check.history).toEqual(["queued", "in_progress", "completed:success"]);
    expect(check.output?.summary).toContain("✅ Succeeded");
    expect(check.actions ?? []).toEqual([]);
    // the pull request keeps its comment too, and everything went as the App installation of the run
    expect(github.comments.size).toBe(1);
    expect(github.requests.filter((r) => r.path.includes("access_tokens")).map((r) => r.path)).toEqual([
      "/app/installations/77/access_tokens",
    ]);
  });

  it("offers Re-run on a failed or cancelled run", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: prSource() }) });
    await ctx.runStore.transition(run.id, "Failed", "agent exited with code 1");
    await reporter().sync(run.id);
    const check = [...github.checkRuns.values()][0]!;
    expect(check.history).toEqual(["completed:failure"]);
    expect(check.output?.title).toBe("Failed: agent exited with code 1");
    expect(check.actions).toEqual([{ label: "Re-run", description: "Retry this run", identifier: "rerun" }]);
  });

  it("never creates a second check run when a crash lost the id of the first", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: prSource() }) });
    await reporter().sync(run.id);
    await ctx.redis.del(`${ctx.prefix}:watcher:gh-check:${run.id}`);
    await ctx.runStore.transition(run.id, "Running", "agent running");
    await reporter().sync(run.id);
    expect(github.checkRuns.size).toBe(1);
    expect([...github.checkRuns.values()][0]!.history).toEqual(["queued", "in_progress"]);
  });

  it("makes none in token mode (GitHub allows Check Runs to Apps only); the comment still comes", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: prSource() }) });
    expect(await reporter({ token: "ghp_test" }).sync(run.id)).toBe("created");
    expect(github.checkRuns.size).toBe(0);
    expect(github.comments.size).toBe(1);
  });

  it("gives an issue no check run", async () => {
    const { run } = await ctx.runStore.create({ request: codeRequest({ source: githubSource(12) }) });
    await reporter().sync(run.id);
    expect(github.checkRuns.size).toBe(0);
    expect(github.requests.some((r) => r.path.includes("check-runs"))).toBe(false);
  });
});
