import { QUEUES, type RenderedFiles, type RunPhase, type RunRecord } from "@orchestrator/contracts";
import { TEST_RENDERED_FILES, testCodeRequest, testDocsRequest } from "@orchestrator/contracts/testing";
import { createRegistry, silentLogger } from "@orchestrator/observability";
import { createQueue, type TypedQueue } from "@orchestrator/queue";
import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";
import type { AgentState, Runtime } from "@orchestrator/runtime";
import type { JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { createDispatcher, type Dispatcher } from "../src/create-dispatcher.js";

export const FILES = TEST_RENDERED_FILES;
export const codeRequest = testCodeRequest;
export const docsRequest = testDocsRequest;

export interface Harness {
  prefix: string;
  client: Redis;
  runStore: RunStore;
  dispatchQueue: TypedQueue<"dispatch">;
  controlQueue: TypedQueue<"control">;
  dispatcher: Dispatcher;
  /** a run as the renderer leaves it: accepted, then Rendering */
  createRun(request: RunRecord["request"]): Promise<RunRecord>;
  /** what the renderer does once the files are rendered (job id: the run id, as the renderer's) */
  enqueueDispatch(runId: string, files?: RenderedFiles, options?: JobsOptions): Promise<void>;
  cancel(runId: string, reason?: string): Promise<void>;
  waitForPhase(runId: string, phase: RunPhase, timeoutMs?: number): Promise<RunRecord>;
  phases(ids: readonly string[]): Promise<RunPhase[]>;
  close(): Promise<void>;
}

export async function startHarness(options: {
  runtime: Runtime;
  maxConcurrent?: number;
  reconcileMs?: number;
  /** STUCK_DISPATCH_GRACE */
  stuckGraceMs?: number;
}): Promise<Harness> {
  const prefix = uniquePrefix("dispatch");
  const client = await connectTestRedis();
  const worker = await connectTestRedis("worker");
  const subscriber = await connectTestRedis("worker");
  const producer = await connectTestRedis("producer");
  let last = 0;
  // strictly increasing clock: runs created in the same millisecond still have an order
  const now = () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last);
  };
  const runStore = new RunStore({ redis: client, prefix, retentionMs: 600_000, now });
  const dispatchQueue = createQueue(QUEUES.dispatch, { connection: producer, prefix });
  const controlQueue = createQueue(QUEUES.control, { connection: producer, prefix });
  const dispatcher = createDispatcher({
    config: {
      QUEUE_PREFIX: prefix,
      MAX_CONCURRENT_RUNS: options.maxConcurrent ?? 0,
      DISPATCH_CONCURRENCY: 4,
      SLOT_RECONCILE_INTERVAL: options.reconcileMs ?? 600_000,
      STUCK_DISPATCH_GRACE: options.stuckGraceMs ?? 600_000,
      JOB_TTL_SECONDS: 300,
    },
    runStore,
    runtime: options.runtime,
    queues: { dispatch: dispatchQueue },
    redis: { client, worker, subscriber },
    logger: silentLogger(),
    registry: createRegistry("dispatcher-test", { defaultMetrics: false }),
  });
  await dispatcher.start();

  const harness: Harness = {
    prefix,
    client,
    runStore,
    dispatchQueue,
    controlQueue,
    dispatcher,
    async createRun(request) {
      const { run } = await runStore.create({ request });
      return runStore.transition(run.id, "Rendering", "rendering templates");
    },
    async enqueueDispatch(runId, files = FILES, jobOptions = {}) {
      await dispatchQueue.add("dispatch", { runId, files, digest: "test" }, { jobId: runId, ...jobOptions });
    },
    async cancel(runId, reason = "cancelled by test") {
      await controlQueue.add("control", { action: "cancel", runId, reason });
    },
    async waitForPhase(runId, phase, timeoutMs = 20_000) {
      await expect
        .poll(async () => (await runStore.get(runId))?.phase, { timeout: timeoutMs, interval: 25 })
        .toBe(phase);
      return runStore.require(runId);
    },
    async phases(ids) {
      return Promise.all(ids.map(async (id) => (await runStore.require(id)).phase));
    },
    async close() {
      await dispatcher.stop();
      await Promise.all([dispatchQueue.close(), controlQueue.close()]);
      await deletePrefix(client, prefix);
      for (const connection of [client, worker, subscriber, producer]) connection.disconnect();
    },
  };
  return harness;
}

/** A runtime that records what it was asked to do. */
export class RecordingRuntime implements Runtime {
  readonly kind = "kubernetes" as const;
  readonly dispatched: string[] = [];
  readonly cancelled: string[] = [];
  /** return an error to make the next dispatch of a run fail with it */
  failWith: (run: RunRecord) => Error | undefined = () => undefined;
  /** runs after the objects "exist", before dispatch returns (to let something else happen meanwhile) */
  whileDispatching: (run: RunRecord) => Promise<void> = async () => {};

  /** what inspect() answers per run (dispatch records `running`) */
  readonly agents = new Map<string, AgentState>();

  async inspect(run: Pick<RunRecord, "id">): Promise<AgentState> {
    return this.agents.get(run.id) ?? { state: "absent" };
  }
  async dispatch(run: RunRecord) {
    const error = this.failWith(run);
    if (error) throw error;
    this.dispatched.push(run.id);
    this.agents.set(run.id, { state: "running", links: { namespace: "agents", job: `job-${run.id}` } });
    await this.whileDispatching(run);
    return { links: { namespace: "agents", job: `job-${run.id}` } };
  }
  async cancel(run: RunRecord) {
    this.cancelled.push(run.id);
  }
  async *logs(): AsyncIterable<string> {}
}
