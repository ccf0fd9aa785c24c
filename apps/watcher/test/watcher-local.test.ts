import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRequest } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { LocalRuntime } from "@orchestrator/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyCallbackSignature } from "../src/callbacks/callback-signature.js";
import { startCallbackReceiver } from "./callback-receiver.js";
import { type FakeGithub, startFakeGithub } from "./fake-github.js";
import { codeRequest, docsRequest, githubSource } from "./fixtures/runs.js";
import { localRun } from "./local-run-dir.js";
import { type RedisContext, redisContext } from "./redis-context.js";
import { startTestWatcher, TEST_CALLBACK_SECRET, type TestWatcher } from "./watcher-harness.js";

let ctx: RedisContext;
let github: FakeGithub;
let dataDir: string;
const watchers: TestWatcher[] = [];

beforeEach(async () => {
  ctx = await redisContext("wl");
  github = await startFakeGithub();
  dataDir = await mkdtemp(join(tmpdir(), "watcher-local-"));
});
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
  await github.stop();
  await ctx.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function start() {
  const w = await startTestWatcher(ctx, { kind: "local", dataDir }, { githubUrl: github.url });
  watchers.push(w);
  return w;
}

/** What the renderer and the dispatcher do before a local run starts. */
async function dispatched(request: RunRequest) {
  const { run } = await ctx.runStore.create({ request, runtime: "local" });
  const dir = join(dataDir, "runs", run.id);
  await ctx.runStore.transition(run.id, "Rendering", "rendering templates");
  await localRun.launched(dir, run.id);
  await ctx.runStore.transition(run.id, "Dispatched", `started local process in ${dir}`, {
    links: { localDir: dir },
  });
  return { run, dir };
}

const phaseOf = async (id: string) => (await ctx.runStore.get(id))?.phase;
const writes = () => github.requests.filter((r) => r.method !== "GET").map((r) => r.method);

describe("watcher on the local runtime", () => {
  it("follows a GitHub run to success: one comment edited in place, the result recorded, the callback signed", async () => {
    const receiver = await startCallbackReceiver();
    try {
      const w = await start();
      const { run, dir } = await dispatched(
        codeRequest({ source: githubSource(7), callbackUrl: receiver.url }),
      );
      await localRun.started(dir);
      await expect.poll(() => phaseOf(run.id)).toBe("Running");
      await expect.poll(() => [...github.comments.values()][0]?.body ?? "").toContain("Running");

      await localRun.exited(dir, 0, {
        outcome: "succeeded",
        pullRequestUrl: "https://github.com/5dlabs/trader/pull/42",
        sessionId: "sess-1",
      });
      await expect.poll(() => phaseOf(run.id)).toBe("Succeeded");
      const done = await ctx.runStore.get(run.id);
      expect(done?.result).toMatchObject({
        pullRequestUrl: "https://github.com/5dlabs/trader/pull/42",
        sessionId: "sess-1",
      });

      await expect.poll(() => [...github.comments.values()][0]?.body ?? "").toContain("✅ Succeeded");
      expect(github.comments.size).toBe(1);
      expect([...github.comments.values()][0]?.body).toContain("https://github.com/5dlabs/trader/pull/42");
      expect(writes()[0]).toBe("POST");
      expect(writes().filter((m) => m === "POST")).toHaveLength(1);

      await expect.poll(() => receiver.received.length).toBe(1);
      const call = receiver.received[0]!;
      expect(
        verifyCallbackSignature(
          TEST_CALLBACK_SECRET,
          call.body,
          call.headers["x-orchestrator-signature-256"] as string,
        ),
      ).toBe(true);
      expect(JSON.parse(call.body)).toMatchObject({ id: run.id, phase: "Succeeded" });

      const metrics = await w.registry.metrics();
      expect(metrics).toContain('orchestrator_runs_total{kind="code",phase="Succeeded"} 1');
      expect(metrics).toContain(
        'orchestrator_run_stage_duration_seconds_count{kind="code",stage="pod_running_to_finished"} 1',
      );
      expect(metrics).toMatch(/orchestrator_queue_jobs\{queue="control",state="(waiting|completed)"\}/);
    } finally {
      await receiver.stop();
    }
  });

  it("neither re-posts nor re-edits the comment after a restart", async () => {
    const first = await start();
    const { run, dir } = await dispatched(codeRequest({ source: githubSource(8) }));
    await localRun.started(dir);
    await localRun.exited(dir, 0, { outcome: "succeeded" });
    await expect.poll(() => phaseOf(run.id)).toBe("Succeeded");
    await expect.poll(() => [...github.comments.values()][0]?.body ?? "").toContain("Succeeded");
    const before = writes().length;
    await first.stop();
    watchers.splice(0);

    const second = await start();
    await second.watcher.githubSync?.drain();
    expect(writes().length).toBe(before);
    expect(github.comments.size).toBe(1);
  });

  it("retries a failed code run once as attempt 2 with context version 2, and never a docs run", async () => {
    const w = await start();
    const code = await dispatched(codeRequest({ maxRetries: 1 }));
    const docs = await dispatched(docsRequest());
    for (const { dir } of [code, docs]) {
      await localRun.started(dir);
      await localRun.exited(dir, 1, undefined, "cloning\nfatal: could not read from remote repository\n");
    }
    await expect.poll(() => phaseOf(code.run.id)).toBe("Failed");
    await expect.poll(() => phaseOf(docs.run.id)).toBe("Failed");
    const failed = await ctx.runStore.get(code.run.id);
    // the agent's output stays on the run record, out of the message that is posted publicly
    expect(failed?.message).toBe("agent exited with code 1");
    expect(failed?.failureReason).toBe("ExitCode");
    expect(failed?.logTail).toBe("cloning\nfatal: could not read from remote repository");

    await expect.poll(async () => (await ctx.runStore.get(code.run.id))?.retriedBy).toBeDefined();
    const retryId = (await ctx.runStore.get(code.run.id))!.retriedBy!;
    const retry = await ctx.runStore.get(retryId);
    expect(retry).toMatchObject({
      attempt: 2,
      phase: "Queued",
      request: { contextVersion: 2, continueSession: true, retryCount: 1 },
    });
    expect(await w.queues.render.getJob(retryId)).toBeDefined();
    expect((await ctx.runStore.get(docs.run.id))?.retriedBy).toBeUndefined();
    expect((await ctx.runStore.list()).runs).toHaveLength(3);
    // both finished runs released their concurrency slot through a durable control job
    expect(await w.queues.control.getJob(`released-${code.run.id}`)).toBeDefined();
  });

  it("follows a run the local runtime really starts, from process start to its result", async () => {
    await start();
    const runtime = new LocalRuntime({
      dataDir,
      path: process.env.PATH ?? "/usr/bin:/bin",
      log: silentLogger(),
    });
    const { run } = await ctx.runStore.create({ request: docsRequest(), runtime: "local" });
    await ctx.runStore.transition(run.id, "Rendering", "rendering templates");
    const script = [
      "echo working",
      "sleep 0.3",
      `echo '{"outcome":"succeeded","pullRequestUrl":"https://github.com/5dlabs/platform/pull/9"}' > "$ORCH_RESULT_FILE"`,
    ].join("\n");
    const { links } = await runtime.dispatch((await ctx.runStore.get(run.id))!, { "container.sh": script });
    await ctx.runStore.transition(run.id, "Dispatched", "started local process", { links });
    await expect.poll(() => phaseOf(run.id), { timeout: 15_000 }).toBe("Succeeded");
    expect((await ctx.runStore.get(run.id))?.result?.pullRequestUrl).toBe(
      "https://github.com/5dlabs/platform/pull/9",
    );
    expect((await ctx.runStore.get(run.id))?.timeline.map((t) => t.phase)).toContain("Running");
  });
});
