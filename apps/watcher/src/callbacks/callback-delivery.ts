import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import { CallbackAddressRefusedError, resolveCallbackAddress } from "@orchestrator/policy";
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
import { pinnedPost } from "./pinned-post.js";

/** The watcher's own BullMQ queue of callback deliveries (persisted in Redis, retried with backoff). */
export const CALLBACK_QUEUE = "watcher-callbacks";
const callbackJobSchema = z.object({ runId: z.string().min(1) });
type CallbackJob = z.infer<typeof callbackJobSchema>;
type CallbackOutcome = NonNullable<RunRecord["callback"]>["outcome"];

/** What a receiver gets: the run record without the agent's log tail (which stays with operators). */
export function callbackBody(run: RunRecord): Omit<RunRecord, "logTail"> {
  const body: RunRecord = { ...run };
  delete body.logTail;
  return body;
}

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
  /** CALLBACK_SECRET; without it no callback is sent (the run records why) */
  secret: string | undefined;
  /** attempts per callback */
  attempts: number;
  /** first retry delay; doubles each attempt, ms */
  backoffMs: number;
  /** how long a delivered marker is kept (RUN_RETENTION), ms */
  retentionMs: number;
  /** CALLBACK_ALLOWED_HOSTS (exact or `*.suffix`); [] → only public addresses are called */
  allowedHosts: readonly string[];
  /** @defaultValue 10000 */
  timeoutMs?: number;
  log: Logger;
  callbacks: Counter<"outcome">;
}

export interface CallbackDelivery {
  queue: Queue<CallbackJob, string, string>;
  /** starts delivering (the BullMQ worker); idempotent */
  start(): void;
  /**
   * Queues the callback of a finished run that asked for one (at most once per run while queued).
   * Without CALLBACK_SECRET nothing is queued: the run records that its callback was not sent.
   */
  enqueue(run: RunRecord): Promise<boolean>;
  close(): Promise<void>;
}

/** Why a callback was not sent when CALLBACK_SECRET is unset. */
export const UNSIGNED_CALLBACK_DETAIL =
  "not sent: CALLBACK_SECRET is not set, and callbacks are only sent signed (X-Orchestrator-Signature-256)";

/**
 * POSTs a finished run as JSON to its `callbackUrl`, signed with HMAC-SHA256, at least once: retried
 * with exponential backoff on 5xx/408/429/network errors, given up on other 4xx. Every attempt of
 * one delivery carries the same `X-Orchestrator-Delivery` id so receivers can de-duplicate. Receivers
 * are promised a signature, so without CALLBACK_SECRET nothing is sent. What became of the callback
 * is recorded on the run (`callback`).
 */
export function createCallbackDelivery(deps: CallbackDeliveryDeps): CallbackDelivery {
  const doneKey = (runId: string) => `${deps.prefix}:watcher:callback-done:${runId}`;
  let warnedUnsigned = false;

  async function record(runId: string, outcome: CallbackOutcome, detail: string): Promise<void> {
    const at = new Date().toISOString();
    await deps.runStore
      .update(runId, (r) =>
        r.callback?.outcome === outcome && r.callback.detail === detail
          ? r
          : { ...r, callback: { outcome, at, detail } },
      )
      .catch((err: unknown) => deps.log.warn({ err, runId }, "could not record the callback's outcome"));
  }

  async function notSent(run: RunRecord): Promise<void> {
    if (!warnedUnsigned) {
      warnedUnsigned = true;
      deps.log.warn(
        { runId: run.id },
        "CALLBACK_SECRET is not set: run callbacks are not sent (they are only sent signed)",
      );
    }
    if (run.callback?.outcome !== "not-sent") await record(run.id, "not-sent", UNSIGNED_CALLBACK_DETAIL);
  }
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
    if (!deps.secret) {
      await notSent(run);
      return "not-sent";
    }
    const body = JSON.stringify(callbackBody(run));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "orchestrator-watcher",
      [CALLBACK_EVENT_HEADER]: "run.finished",
      [CALLBACK_DELIVERY_HEADER]: `${run.id}.${run.phase}`,
      "idempotency-key": `${run.id}.${run.phase}`,
    };
    headers[CALLBACK_SIGNATURE_HEADER] = signCallbackBody(deps.secret, body);
    let status: number;
    try {
      // resolved and checked now, and connected to exactly that address (no DNS rebinding)
      const pinned = await resolveCallbackAddress(url, deps.allowedHosts);
      status = await pinnedPost(url, pinned, headers, body, deps.timeoutMs ?? 10_000);
    } catch (err) {
      if (err instanceof CallbackAddressRefusedError) throw new UnrecoverableError(err.message);
      throw new CallbackDeliveryError(
        0,
        `callback to ${new URL(url).host} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (status >= 200 && status < 300) {
      await deps.redis.set(doneKey(runId), String(status), "PX", deps.retentionMs);
      deps.callbacks.inc({ outcome: "delivered" });
      await record(runId, "delivered", `${new URL(url).host} answered ${status}`);
      deps.log.info({ runId, status: status }, "callback delivered");
      return "delivered";
    }
    const retryable = status >= 500 || [408, 425, 429].includes(status);
    const message = `callback to ${new URL(url).host} answered ${status}`;
    if (!retryable) throw new UnrecoverableError(message);
    throw new CallbackDeliveryError(status, message);
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
      if (final) {
        deps.callbacks.inc({ outcome: "failed" });
        void record(job.data.runId, "failed", `${err.message} (after ${job.attemptsMade} attempts)`);
      }
    });
    worker = created;
  }

  return {
    queue,
    start,
    async enqueue(run) {
      if (!run.request.callbackUrl || !isTerminalPhase(run.phase)) return false;
      if (await deps.redis.exists(doneKey(run.id))) return false;
      if (!deps.secret) {
        await notSent(run);
        return false;
      }
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
