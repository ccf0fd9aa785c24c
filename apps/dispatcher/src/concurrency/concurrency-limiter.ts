import { type DispatchJob, dispatchJobSchema } from "@orchestrator/contracts";
import { luaScript, runLua } from "@orchestrator/queue";
import type { Redis } from "ioredis";
import { ACQUIRE_SLOT, RELEASE_SLOT } from "./slot-scripts.js";

const ACQUIRE = luaScript("acquire_slot", 5, ACQUIRE_SLOT);
const RELEASE = luaScript("release_slot", 5, RELEASE_SLOT);

/** Why a run waits: its service's workspace is in use, or MAX_CONCURRENT_RUNS runs are active. */
export type WaitReason = "workspace" | "global";

export type AcquireResult = { status: "acquired" } | { status: "waiting"; reason: WaitReason };

export interface ReleaseResult {
  /** the run held a slot */
  held: boolean;
  /** the run was waiting (and no longer is) */
  waited: boolean;
  /** runs that now hold a slot and must be dispatched, oldest first */
  promoted: string[];
}

export interface ConcurrencyLimiterOptions {
  /** client connection (commands fail fast) */
  redis: Redis;
  /** key prefix, e.g. `<QUEUE_PREFIX>:dispatcher` */
  prefix: string;
  /** runs active at once across all services; 0 = unlimited (MAX_CONCURRENT_RUNS) */
  maxConcurrent: number;
}

export interface SlotRequest {
  runId: string;
  /** code runs: the service whose workspace (RWO PVC) the run needs; undefined for docs runs */
  service?: string | undefined;
  /** creation time of the run: waiting runs start oldest first */
  createdAtMs: number;
  /** kept while the run waits, to dispatch it when it is promoted */
  payload: DispatchJob;
}

/**
 * Slots in Redis, changed atomically by Lua: at most one active code run per service workspace and
 * at most `maxConcurrent` active runs overall. A run that cannot start waits in a sorted set by
 * creation time; releasing a slot promotes the oldest waiting runs that fit, in the same script, so
 * no newcomer can overtake them.
 */
export class ConcurrencyLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  readonly maxConcurrent: number;

  constructor(options: ConcurrencyLimiterOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.maxConcurrent = options.maxConcurrent;
  }

  private get keys(): string[] {
    return ["holders", "services", "waiting", "info", "payloads"].map((k) => `${this.prefix}:${k}`);
  }

  async acquire(request: SlotRequest): Promise<AcquireResult> {
    const [status, reason] = (await runLua(
      this.redis,
      ACQUIRE,
      ...this.keys,
      request.runId,
      request.service ?? "",
      String(this.maxConcurrent),
      String(request.createdAtMs),
      JSON.stringify(request.payload),
    )) as [string, string];
    return status === "acquired"
      ? { status }
      : { status: "waiting", reason: reason === "workspace" ? "workspace" : "global" };
  }

  /** Frees a run's slot or waiting place and promotes whoever can start now. `undefined`: only promote. */
  async release(runId?: string): Promise<ReleaseResult> {
    const [held, waited, ...promoted] = (await runLua(
      this.redis,
      RELEASE,
      ...this.keys,
      runId ?? "",
      String(this.maxConcurrent),
    )) as [number, number, ...string[]];
    return { held: held === 1, waited: waited === 1, promoted };
  }

  /** The dispatch message kept for a waiting or promoted run. */
  async payload(runId: string): Promise<DispatchJob | undefined> {
    const json = await this.redis.hget(`${this.prefix}:payloads`, runId);
    if (!json) return undefined;
    const parsed = dispatchJobSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  }

  /** The run's objects exist: its kept dispatch message is no longer needed. */
  async dispatched(runId: string): Promise<void> {
    await this.redis.hdel(`${this.prefix}:payloads`, runId);
  }

  /** Runs holding a slot → their service ('' for docs runs). */
  async holders(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(`${this.prefix}:holders`)));
  }

  /** Waiting runs, oldest first, with why they wait. */
  async waiting(): Promise<{ runId: string; service: string; reason: WaitReason }[]> {
    const ids = await this.redis.zrange(`${this.prefix}:waiting`, 0, -1);
    if (ids.length === 0) return [];
    const infos = await this.redis.hmget(`${this.prefix}:info`, ...ids);
    return ids.map((runId, i) => {
      const info = JSON.parse(infos[i] ?? "{}") as { service?: string; reason?: string };
      return {
        runId,
        service: info.service ?? "",
        reason: info.reason === "workspace" ? "workspace" : "global",
      };
    });
  }

  /** Runs holding a slot whose dispatch message is still kept (promoted, not yet dispatched). */
  async pendingPromotions(): Promise<string[]> {
    const [holders, kept] = await Promise.all([
      this.redis.hkeys(`${this.prefix}:holders`),
      this.redis.hkeys(`${this.prefix}:payloads`),
    ]);
    const held = new Set(holders);
    return kept.filter((id) => held.has(id));
  }
}
