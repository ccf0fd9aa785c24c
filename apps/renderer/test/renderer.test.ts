import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeRunRequestSchema, docsRunRequestSchema, QUEUES, type RunRequest } from "@orchestrator/contracts";
import { createRegistry, silentLogger } from "@orchestrator/observability";
import { createQueue } from "@orchestrator/queue";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import { createRenderer as createTemplateRenderer, defaultTemplatesDir } from "@orchestrator/render";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, isPermanentRenderError, renderWithTemplates } from "../src/index.js";

let client: Redis;
let worker: Redis;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  client = await connectTestRedis();
  worker = await connectTestRedis("worker");
});
afterAll(() => {
  client.disconnect();
  worker.disconnect();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const docsRequest = (key: string): RunRequest =>
  docsRunRequestSchema.parse({
    kind: "docs",
    idempotencyKey: key,
    source: { type: "cli" },
    repositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "_projects/trader",
    model: "claude-opus-4-20250514",
    githubUser: "swe-1-5dlabs",
    sourceBranch: "main",
  });

const codeRequest = (key: string): RunRequest =>
  codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: key,
    source: { type: "api" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId: 3,
    service: "trader",
  });

async function setup(templatesDir = defaultTemplatesDir()) {
  const prefix = uniquePrefix("renderer");
  const runStore = new RunStore({ redis: client, prefix, retentionMs: 60_000 });
  const renderQueue = createQueue(QUEUES.render, { connection: client, prefix });
  const dispatchQueue = createQueue(QUEUES.dispatch, { connection: client, prefix });
  const templates = await createTemplateRenderer({ templatesDir });
  const renderer = createRenderer({
    runStore,
    renderQueue,
    dispatchQueue,
    workerConnection: worker,
    prefix,
    render: renderWithTemplates(templates),
    isPermanent: isPermanentRenderError,
    log: silentLogger(),
    registry: createRegistry("renderer-test", { defaultMetrics: false }),
    sweepIntervalMs: 0,
  });
  cleanups.push(async () => {
    await renderer.close();
    await renderQueue.close();
    await dispatchQueue.close();
    templates.close();
    await deletePrefix(client, prefix);
  });
  const accept = async (request: RunRequest) => {
    const { run } = await runStore.create({ request });
    await renderQueue.add("render", { runId: run.id }, { jobId: run.id });
    return run;
  };
  return { runStore, renderQueue, dispatchQueue, accept };
}

describe("renderer service", () => {
  it("takes a queued run to the dispatch queue with its rendered files, through phase Rendering", async () => {
    const { runStore, dispatchQueue, accept } = await setup();
    const run = await accept(codeRequest("code-1"));
    await expect
      .poll(async () => (await dispatchQueue.getJob(run.id))?.data.files, { timeout: 10_000 })
      .toBeDefined();
    const job = await dispatchQueue.getJob(run.id);
    expect(Object.keys(job!.data.files)).toEqual(
      expect.arrayContaining([
        "container.sh",
        "CLAUDE.md",
        "settings.json",
        "mcp.json",
        "client-config.json",
      ]),
    );
    expect(job!.data.files["container.sh"]).toContain("feature/task-3-implementation");
    const stored = await runStore.get(run.id);
    expect(stored?.phase).toBe("Rendering");
    expect(stored?.timeline.map((t) => t.phase)).toEqual(["Queued", "Rendering"]);
    expect(stored?.message).toMatch(/rendered \d+ files/);
  });

  it("renders a replayed run to the same digest and enqueues it once", async () => {
    const { renderQueue, dispatchQueue, accept } = await setup();
    const run = await accept(docsRequest("docs-1"));
    await expect
      .poll(async () => (await dispatchQueue.getJob(run.id)) !== undefined, { timeout: 10_000 })
      .toBe(true);
    const first = (await dispatchQueue.getJob(run.id))!.data.digest;
    await renderQueue.add("render", { runId: run.id }, { jobId: `${run.id}-replay` });
    await expect
      .poll(async () => (await renderQueue.getJob(`${run.id}-replay`))?.isCompleted(), { timeout: 10_000 })
      .toBe(true);
    expect(await dispatchQueue.count()).toBe(1);
    expect((await dispatchQueue.getJob(run.id))!.data.digest).toBe(first);
  });

  it("fails only the run whose template is broken, with the template and key in the reason", async () => {
    const dir = await mkdtemp(join(tmpdir(), "templates-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(defaultTemplatesDir(), dir, { recursive: true });
    await writeFile(join(dir, "docs", "prompt.md.hbs"), "Generate docs for {{no_such_key}}\n");
    const { runStore, dispatchQueue, accept } = await setup(dir);
    const docs = await accept(docsRequest("docs-broken"));
    const code = await accept(codeRequest("code-fine"));
    await expect.poll(async () => (await runStore.get(docs.id))?.phase, { timeout: 10_000 }).toBe("Failed");
    const failed = await runStore.get(docs.id);
    expect(failed?.message).toContain("no_such_key");
    expect(failed?.message).toContain("prompt.md");
    await expect
      .poll(async () => (await dispatchQueue.getJob(code.id)) !== undefined, { timeout: 10_000 })
      .toBe(true);
    expect(await dispatchQueue.getJob(docs.id)).toBeUndefined();
  });

  it("leaves a run cancelled before rendering alone", async () => {
    const { runStore, renderQueue, dispatchQueue } = await setup();
    const { run } = await runStore.create({ request: codeRequest("cancelled") });
    await runStore.transition(run.id, "Cancelled", "cancelled by user");
    await renderQueue.add("render", { runId: run.id }, { jobId: run.id });
    await expect
      .poll(async () => (await renderQueue.getJob(run.id))?.isCompleted(), { timeout: 10_000 })
      .toBe(true);
    expect(await dispatchQueue.getJob(run.id)).toBeUndefined();
    expect((await runStore.get(run.id))?.phase).toBe("Cancelled");
  });

  it("re-enqueues an accepted run whose render job went missing", async () => {
    const prefix = uniquePrefix("sweep");
    let now = Date.now();
    const runStore = new RunStore({ redis: client, prefix, retentionMs: 60_000, now: () => new Date(now) });
    const renderQueue = createQueue(QUEUES.render, { connection: client, prefix });
    cleanups.push(async () => {
      await renderQueue.close();
      await deletePrefix(client, prefix);
    });
    const { run } = await runStore.create({ request: codeRequest("stranded") });
    const { requeueStrandedRuns } = await import("../src/index.js");
    now += 60_000;
    const requeued = await requeueStrandedRuns({
      runStore,
      renderQueue,
      log: silentLogger(),
      minAgeMs: 30_000,
      now: () => now,
    });
    expect(requeued).toEqual([run.id]);
    expect((await renderQueue.getJob(run.id))?.data.runId).toBe(run.id);
    expect(
      await requeueStrandedRuns({
        runStore,
        renderQueue,
        log: silentLogger(),
        minAgeMs: 30_000,
        now: () => now,
      }),
    ).toEqual([]);
  });
});
