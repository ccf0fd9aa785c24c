import { createHash } from "node:crypto";
import {
  canTransition,
  isTerminalPhase,
  RUN_EVENTS_CHANNEL,
  type RunEvent,
  type RunLinks,
  type RunPhase,
  type RunRecord,
  type RunRequest,
  type RunResult,
  runRecordSchema,
  runRequestSchema,
} from "@orchestrator/contracts";
import { luaScript, runLua } from "@orchestrator/queue";
import type { Redis } from "ioredis";
import {
  InvalidRunRequestError,
  InvalidTransitionError,
  RunNotFoundError,
  RunUpdateConflictError,
} from "./errors.js";
import { type LastSession, SessionPointers } from "./last-session.js";
import { newRunId } from "./run-id.js";
import { CREATE_RUN, UPDATE_RUN } from "./scripts.js";

const CREATE = luaScript("create_run", 5, CREATE_RUN);
const UPDATE = luaScript("update_run", 2, UPDATE_RUN);

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

/** The run records in Redis: created by ingress, moved along by every service. */
export class RunStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly idempotencyTtlMs: number;
  private readonly singleFlightTtlMs: number;
  private readonly now: () => Date;
  private readonly sessions: SessionPointers;

  constructor(options: RunStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.retentionMs = options.retentionMs;
    this.idempotencyTtlMs = options.idempotencyTtlMs ?? options.retentionMs;
    this.singleFlightTtlMs = options.singleFlightTtlMs ?? 24 * 3600 * 1000;
    this.now = options.now ?? (() => new Date());
    this.sessions = new SessionPointers(this.redis, this.prefix, this.retentionMs, (id) => this.runKey(id));
  }

  get channel(): string {
    return `${this.prefix}:${RUN_EVENTS_CHANNEL}`;
  }

  private runKey(id: string): string {
    return `${this.prefix}:run:${id}`;
  }
  private get indexKey(): string {
    return `${this.prefix}:runs`;
  }
  private idempotencyKey(key: string): string {
    return `${this.prefix}:idem:${createHash("sha256").update(key).digest("hex")}`;
  }
  private singleFlightKey(key: string): string {
    return `${this.prefix}:active:${createHash("sha256").update(key).digest("hex")}`;
  }

  /**
   * Records a new run in phase `Queued`, atomically de-duplicated by the request's idempotency key
   * and, when given, its single-flight key.
   */
  async create(input: CreateRunInput): Promise<CreateRunResult> {
    if (!input.validated) {
      const checked = runRequestSchema.safeParse(input.request);
      if (!checked.success) throw new InvalidRunRequestError(checked.error.issues);
    }
    const now = this.now();
    const at = now.toISOString();
    const id = input.id ?? newRunId(now.getTime());
    const record: RunRecord = {
      id,
      kind: input.request.kind,
      phase: "Queued",
      request: input.request,
      createdAt: at,
      updatedAt: at,
      timeline: [{ phase: "Queued", at, reason: input.reason ?? "accepted" }],
      links: {},
      attempt: input.attempt ?? 1,
      ...(input.singleFlightKey ? { singleFlightKey: input.singleFlightKey } : {}),
      ...(input.runtime ? { runtime: input.runtime } : {}),
    };
    const [outcome, existingId] = (await runLua(
      this.redis,
      CREATE,
      this.runKey(id),
      this.indexKey,
      this.idempotencyKey(input.request.idempotencyKey),
      input.singleFlightKey ? this.singleFlightKey(input.singleFlightKey) : "",
      input.pointer?.key ?? "",
      JSON.stringify(record),
      String(now.getTime()),
      id,
      String(this.idempotencyTtlMs),
      String(this.singleFlightTtlMs),
      input.bindToActive ? "1" : "",
      String(input.pointer?.ttlMs ?? 0),
    )) as [CreateRunResult["outcome"], string];
    if (outcome === "created") return { outcome, run: record };
    const existing = await this.get(existingId);
    if (!existing) {
      // the key outlived its run (retention); treat the run as gone and let the caller decide
      throw new RunNotFoundError(existingId);
    }
    return { outcome, run: existing };
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const json = await this.redis.hget(this.runKey(id), "json");
    return json ? runRecordSchema.parse(JSON.parse(json)) : undefined;
  }

  async require(id: string): Promise<RunRecord> {
    const run = await this.get(id);
    if (!run) throw new RunNotFoundError(id);
    return run;
  }

  /**
   * The newest code run of this service and task that recorded a Claude session (what a follow-up run
   * resumes): one key read, see {@link SessionPointers}.
   */
  async lastSession(service: string, taskId: number): Promise<LastSession | undefined> {
    return this.sessions.find(service, taskId, (cursor) => this.list({ kind: "code", limit: 200, cursor }));
  }

  /** The run an idempotency key maps to, if any. */
  async findByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    const id = await this.redis.get(this.idempotencyKey(key));
    return id ? this.get(id) : undefined;
  }

  /**
   * Newest first. Returns the page and a cursor for the next one (`<created ms>:<run id>`, so runs
   * created in the same millisecond are never skipped at a page boundary). Records that no longer
   * parse are skipped rather than failing the whole listing.
   */
  async list(filter: RunFilter = {}): Promise<{ runs: RunRecord[]; nextCursor?: string }> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const runs: RunRecord[] = [];
    let cursor = parseCursor(filter.cursor);
    const batch = 200;
    // skips whole batches of already-seen members when more than a batch share the cursor's millisecond
    let offset = 0;
    for (;;) {
      const max = cursor ? String(cursor.score) : "+inf";
      const page = await this.redis.zrevrangebyscore(
        this.indexKey,
        max,
        "-inf",
        "WITHSCORES",
        "LIMIT",
        offset,
        batch,
      );
      const entries: { id: string; score: number }[] = [];
      for (let i = 0; i < page.length; i += 2) {
        const entry = { id: page[i]!, score: Number(page[i + 1]) };
        // members with equal scores come in descending id order: skip those at or before the cursor
        if (cursor && entry.score === cursor.score && entry.id >= cursor.id) continue;
        entries.push(entry);
      }
      if (entries.length === 0) {
        if (page.length < batch * 2) return { runs };
        offset += batch;
        continue;
      }
      const pipeline = this.redis.pipeline();
      for (const { id } of entries) pipeline.hget(this.runKey(id), "json");
      const results = (await pipeline.exec()) ?? [];
      const gone: string[] = [];
      for (const [i, entry] of entries.entries()) {
        const json = results[i]?.[1] as string | null | undefined;
        if (!json) {
          gone.push(entry.id);
          continue;
        }
        const run = parseRecord(json);
        if (!run || !matches(run, filter)) continue;
        runs.push(run);
        if (runs.length === limit) return { runs, nextCursor: `${entry.score}:${entry.id}` };
      }
      if (gone.length > 0) await this.redis.zrem(this.indexKey, ...gone);
      if (page.length < batch * 2) return { runs };
      cursor = entries[entries.length - 1]!;
      offset = 0;
    }
  }

  /**
   * Moves a run to `phase`, appending to its timeline and publishing a run event. A transition to
   * the phase it is already in only applies the patch. Terminal runs start their retention clock
   * and release their single-flight key.
   * @throws InvalidTransitionError when the move is not allowed (e.g. out of a final phase)
   */
  async transition(id: string, phase: RunPhase, reason: string, patch: RunPatch = {}): Promise<RunRecord> {
    return this.mutate(id, (run) => {
      if (run.phase !== phase && !canTransition(run.phase, phase)) {
        throw new InvalidTransitionError(id, run.phase, phase);
      }
      if (run.phase === phase && isTerminalPhase(phase))
        throw new InvalidTransitionError(id, run.phase, phase);
      const at = this.now().toISOString();
      const next = applyPatch(run, patch, at);
      if (run.phase === phase) return { next };
      next.phase = phase;
      next.timeline = [...run.timeline, { phase, at, reason }];
      if (patch.message === undefined) next.message = reason;
      const event: RunEvent = { runId: id, kind: run.kind, phase, previousPhase: run.phase, at, reason };
      return { next, event };
    });
  }

  /** Like {@link transition}, but returns undefined instead of throwing when the run already moved past. */
  async tryTransition(
    id: string,
    phase: RunPhase,
    reason: string,
    patch: RunPatch = {},
  ): Promise<RunRecord | undefined> {
    try {
      return await this.transition(id, phase, reason, patch);
    } catch (err) {
      if (err instanceof InvalidTransitionError) return undefined;
      throw err;
    }
  }

  /** Changes fields other than the phase (links, result, markers). */
  async update(id: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    return this.mutate(id, (run) => ({
      next: { ...change(structuredClone(run)), updatedAt: this.now().toISOString() },
    }));
  }

  private async mutate(
    id: string,
    change: (run: RunRecord) => { next: RunRecord; event?: RunEvent },
  ): Promise<RunRecord> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const [json, version] = await this.redis.hmget(this.runKey(id), "json", "v");
      if (!json || !version) throw new RunNotFoundError(id);
      const current = runRecordSchema.parse(JSON.parse(json));
      const { next, event } = change(current);
      const terminal = isTerminalPhase(next.phase);
      const result = await runLua(
        this.redis,
        UPDATE,
        this.runKey(id),
        terminal && next.singleFlightKey ? this.singleFlightKey(next.singleFlightKey) : "",
        version,
        JSON.stringify(next),
        event ? JSON.stringify(event) : "",
        this.channel,
        terminal ? String(this.retentionMs) : "",
        id,
      );
      if (result === 1) {
        await this.sessions.recorded(current, next);
        return next;
      }
      if (result === -1) throw new RunNotFoundError(id);
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
    }
    throw new RunUpdateConflictError(id);
  }

  /** Drops index entries of expired runs and of runs older than the retention. Returns how many. */
  async prune(): Promise<number> {
    const cutoff = this.now().getTime() - this.retentionMs;
    const old = await this.redis.zrangebyscore(this.indexKey, "-inf", cutoff);
    let removed = 0;
    for (const id of old) {
      const run = await this.get(id);
      if (run && !isTerminalPhase(run.phase)) continue;
      removed += await this.redis.zrem(this.indexKey, id);
    }
    return removed;
  }
}

function parseCursor(cursor: string | undefined): { score: number; id: string } | undefined {
  if (!cursor) return undefined;
  const [score, id] = cursor.split(":");
  if (!score || !/^\d+$/.test(score)) return undefined;
  return { score: Number(score), id: id ?? "~" };
}

function parseRecord(json: string): RunRecord | undefined {
  try {
    const parsed = runRecordSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function applyPatch(run: RunRecord, patch: RunPatch, at: string): RunRecord {
  const next: RunRecord = { ...run, updatedAt: at };
  if (patch.message !== undefined) next.message = patch.message;
  if (patch.links) next.links = { ...run.links, ...stripUndefined(patch.links) };
  if (patch.result) next.result = { ...run.result, ...stripUndefined(patch.result) };
  if (patch.failureReason !== undefined) next.failureReason = patch.failureReason;
  if (patch.logTail !== undefined) next.logTail = patch.logTail;
  if (patch.agentStarted) next.agentStarted = true;
  return next;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function matches(run: RunRecord, filter: RunFilter): boolean {
  if (filter.phase && run.phase !== filter.phase) return false;
  if (filter.kind && run.kind !== filter.kind) return false;
  if (filter.source && run.request.source.type !== filter.source) return false;
  if (filter.repository) {
    const repo = filter.repository.toLowerCase();
    const source = run.request.source;
    const fullName = source.type === "github" ? source.repository.toLowerCase() : "";
    const url = run.request.repositoryUrl.toLowerCase();
    if (
      fullName !== repo &&
      url !== repo &&
      !url.replace(/\.git$/, "").endsWith(`/${repo}`) &&
      !url.replace(/\.git$/, "").endsWith(`:${repo}`)
    ) {
      return false;
    }
  }
  return true;
}
