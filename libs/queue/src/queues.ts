import { QUEUE_SCHEMAS, type QueueName, type QueuePayloads } from "@orchestrator/contracts";
import {
  type ConnectionOptions,
  type Job,
  type JobsOptions,
  type Processor,
  Queue,
  UnrecoverableError,
  Worker,
} from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** Retention bounds: enough to debug recent work without letting Redis grow forever. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export interface QueueFactoryOptions {
  /** producer connection (fail-fast) */
  connection: Redis;
  /** Redis key prefix (QUEUE_PREFIX) */
  prefix: string;
  log?: Logger;
}

export type TypedQueue<N extends QueueName> = Queue<QueuePayloads[N], unknown, string>;

export function createQueue<N extends QueueName>(name: N, options: QueueFactoryOptions): TypedQueue<N> {
  const queue = new Queue<QueuePayloads[N], unknown, string>(name, {
    connection: options.connection as ConnectionOptions,
    prefix: options.prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
  queue.on("error", (err) =>
    options.log?.warn({ err: { message: err.message }, queue: name }, "queue error"),
  );
  return queue;
}

export interface WorkerFactoryOptions {
  /** worker connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking calls */
  connection: Redis;
  prefix: string;
  log: Logger;
  /** @defaultValue 4 */
  concurrency?: number;
  /** how long a job's lock lasts without renewal (renewed every half). @defaultValue {@link WORKER_LOCKS}.lockDuration */
  lockDuration?: number;
}

/**
 * Lock settings of every worker. A process that dies (SIGKILL, OOM) stops renewing its locks; another
 * worker's stall check (every `stalledInterval`) then finds the job within `lockDuration +
 * stalledInterval` (~15 s) and puts it back. `maxStalledCount` is generous because a stall means a
 * dead process, not a bad job; and a job given up anyway is never taken as "the work failed"
 * (the handlers check the run's real state first).
 */
export const WORKER_LOCKS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 } as const;

export type TypedJob<N extends QueueName> = Job<QueuePayloads[N], unknown, string>;

/**
 * A worker whose processor receives job data already parsed with the queue's schema. A payload that
 * does not parse fails the job permanently (it can never succeed on retry).
 */
export function createWorker<N extends QueueName>(
  name: N,
  processor: (data: QueuePayloads[N], job: TypedJob<N>) => Promise<unknown>,
  options: WorkerFactoryOptions,
): Worker<QueuePayloads[N], unknown, string> {
  const schema = QUEUE_SCHEMAS[name];
  const wrapped: Processor<QueuePayloads[N], unknown, string> = async (job) => {
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid ${name} payload: ${parsed.error.message}`);
    }
    return processor(parsed.data as QueuePayloads[N], job);
  };
  const worker = new Worker<QueuePayloads[N], unknown, string>(name, wrapped, {
    connection: options.connection as ConnectionOptions,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 4,
    lockDuration: options.lockDuration ?? WORKER_LOCKS.lockDuration,
    stalledInterval: WORKER_LOCKS.stalledInterval,
    maxStalledCount: WORKER_LOCKS.maxStalledCount,
    autorun: true,
  });
  const log = options.log.child({ queue: name });
  worker.on("error", (err) => log.warn({ err: { message: err.message } }, "worker error"));
  worker.on("failed", (job, err) =>
    log.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: { name: err.name, message: err.message } },
      "job failed",
    ),
  );
  return worker;
}
