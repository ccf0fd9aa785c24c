import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import { type ConnectionOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { z } from "zod";
import { CallbackDeliveryError } from "./callback-delivery-error.js";
import {
  CALLBACK_DELIVERY_HEADER,
  CALLBACK_EVENT_HEADER,
  CALLBACK_SIGNATURE_HEADER,
  signCallbackBody,
} from "./callback-signature.js";

/** The watcher's own BullMQ queue of callback deliveries (persisted in Redis, retried with backoff). */
export const CALLBACK_QUEUE = "watcher-callbacks";
const callbackJobSchema = z.object({ runId: z.string().min(1) });
type CallbackJob = z.infer<typeof callbackJobSchema>;

export interface CallbackDeliveryDeps {
  runStore: RunStore;
  /** client connection, for the delivered markers */
  redis: Redis;
  /** producer connection (fail-fast) */
  queueConnection: Redis;
  /** worker connection (`maxRetriesPerRequest: null`) */
  workerConnection: Redis;
  /** BullMQ prefix (QUEUE_PREFIX) */
  prefix: string;
  /** CALLBACK_SECRET; without it callbacks are sent unsigned */
  secret: string | undefined;
  /** attempts per callback */
  attempts: number;
  /** first retry delay; doubles each attempt, ms */
  backoffMs: number;
  /** how long a delivered marker is kept (RUN_RETENTION), ms */
  retentionMs: number;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  log: Logger;
  callbacks: Counter<"outcome">;
}

export interface CallbackDelivery {
  queue: Queue<CallbackJob, string, string>;
  /** starts delivering (the BullMQ worker); idempotent */
  start(): void;
  /** Queues the callback of a finished run that asked for one (at most once per run while queued). */
  enqueue(run: RunRecord): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * POSTs a finished run as JSON to its `callbackUrl`, signed with HMAC-SHA256, at least once: retried
 * with exponential backoff on 5xx/408/429/network errors, given up on other 4xx. Every attempt of
 * one delivery carries the same `X-Orchestrator-Delivery` id so receivers can de-duplicate.
 */
export function createCallbackDelivery(deps: CallbackDeliveryDeps): CallbackDelivery {
  const doneKey = (runId: string) => `${deps.prefix}:watcher:callback-done:${runId}`;
  const queue = new Queue<CallbackJob, string, string>(CALLBACK_QUEUE, {
    connection: deps.queueConnection as ConnectionOptions,
    prefix: deps.prefix,
  });
  queue.on("error", (err) => deps.log.warn({ err: { message: err.message } }, "callback queue error"));

  async function deliver(runId: string): Promise<string> {
    const run = await deps.runStore.get(runId);
    const url = run?.request.callbackUrl;
    if (!run || !url || !isTerminalPhase(run.phase)) return "dropped";
    if (await deps.redis.exists(doneKey(runId))) return "already-delivered";
    const body = JSON.stringify(run);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "orchestrator-watcher",
      [CALLBACK_EVENT_HEADER]: "run.finished",
      [CALLBACK_DELIVERY_HEADER]: `${run.id}.${run.phase}`,
      "idempotency-key": `${run.id}.${run.phase}`,
    };
    if (deps.secret) headers[CALLBACK_SIGNATURE_HEADER] = signCallbackBody(deps.secret, body);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new CallbackDeliveryError(
        0,
        `callback to ${new URL(url).host} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) {
      await deps.redis.set(doneKey(runId), String(response.status), "PX", deps.retentionMs);
      deps.callbacks.inc({ outcome: "delivered" });
      deps.log.info({ runId, status: response.status }, "callback delivered");
      return "delivered";
    }
    const retryable = response.status >= 500 || [408, 425, 429].includes(response.status);
    const message = `callback to ${new URL(url).host} answered ${response.status}`;
    if (!retryable) throw new UnrecoverableError(message);
    throw new CallbackDeliveryError(response.status, message);
  }

  let worker: Worker<CallbackJob, string, string> | undefined;
  function start(): void {
    if (worker) return;
    const created = new Worker<CallbackJob, string, string>(
      CALLBACK_QUEUE,
      async (job) => {
        const parsed = callbackJobSchema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid callback job: ${parsed.error.message}`);
        return deliver(parsed.data.runId);
      },
      { connection: deps.workerConnection as ConnectionOptions, prefix: deps.prefix, concurrency: 8 },
    );
    created.on("error", (err) => deps.log.warn({ err: { message: err.message } }, "callback worker error"));
    created.on("failed", (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      deps.log.warn(
        { runId: job.data.runId, attemptsMade: job.attemptsMade, final, err: { message: err.message } },
        "callback failed",
      );
      if (final) deps.callbacks.inc({ outcome: "failed" });
    });
    worker = created;
  }

  return {
    queue,
    start,
    async enqueue(run) {
      if (!run.request.callbackUrl || !isTerminalPhase(run.phase)) return false;
      if (await deps.redis.exists(doneKey(run.id))) return false;
      await queue.add(
        "callback",
        { runId: run.id },
        {
          jobId: `callback-${run.id}`,
          attempts: deps.attempts,
          backoff: { type: "exponential", delay: deps.backoffMs },
          removeOnComplete: { age: 24 * 3600, count: 5000 },
          removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
        },
      );
      return true;
    },
    async close() {
      await worker?.close();
      worker = undefined;
      await queue.close();
    },
  };
}
