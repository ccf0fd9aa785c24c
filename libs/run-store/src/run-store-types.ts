import type { RunLinks, RunPhase, RunRecord, RunRequest, RunResult } from "@orchestrator/contracts";
import type { Redis } from "ioredis";

export interface RunStoreOptions {
  /** client connection (fail-fast) */
  redis: Redis;
  /** key prefix (QUEUE_PREFIX) */
  prefix: string;
  /** how long a finished run is kept (RUN_RETENTION), ms */
  retentionMs: number;
  /** how long an idempotency key maps to its run, ms. @defaultValue retentionMs */
  idempotencyTtlMs?: number;
  /** safety net for a single-flight key whose run never ended, ms. @defaultValue 24 h */
  singleFlightTtlMs?: number;
  now?: () => Date;
}

export interface CreateRunInput {
  request: RunRequest;
  /** runs with the same key never run at the same time (e.g. `github:owner/repo#12:code`) */
  singleFlightKey?: string;
  attempt?: number;
  runtime?: RunRecord["runtime"];
  /** initial reason on the timeline */
  reason?: string;
  /**
   * When the single-flight key is busy, remember the active run under this request's idempotency key,
   * so a redelivery of the same delivery keeps getting that run. For delivery-scoped keys (webhooks)
   * only: a key that stands for "the retry of run X" must stay free for a later attempt.
   * @defaultValue false
   */
  bindToActive?: boolean;
  /**
   * A key of the caller's (e.g. "the latest run of this issue") set to the new run's id in the same
   * atomic step that records the run, so it costs no extra round trip. Left alone when the request
   * matched an existing run.
   */
  pointer?: { key: string; ttlMs: number };
  /** use this id instead of a new one (runs picked up from a CR keep the CR's identity) */
  id?: string;
  /**
   * The request is what `runRequestSchema` returned to the caller, unchanged since: it is not parsed
   * a second time (the ingress validates every request just before recording it).
   * @defaultValue false
   */
  validated?: boolean;
}

export type CreateRunResult =
  | { outcome: "created"; run: RunRecord }
  | { outcome: "duplicate"; run: RunRecord }
  | { outcome: "active"; run: RunRecord };

export interface RunFilter {
  phase?: RunPhase | undefined;
  kind?: RunRecord["kind"] | undefined;
  source?: string | undefined;
  /** matches the repository URL or the GitHub `owner/name` */
  repository?: string | undefined;
  /** runs created before this cursor (from a previous page) */
  cursor?: string | undefined;
  /** @defaultValue 50 */
  limit?: number | undefined;
}

export interface RunPatch {
  message?: string;
  links?: Partial<RunLinks>;
  result?: RunResult;
  /** see RunRecord.failureReason */
  failureReason?: string;
  /** see RunRecord.logTail */
  logTail?: string;
  /** see RunRecord.agentStarted (only ever set to true) */
  agentStarted?: true;
}
