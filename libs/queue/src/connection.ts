import { withTimeout } from "@orchestrator/contracts";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { RedisUnreachableError } from "./redis-unreachable-error.js";
import { parseRedisUrl } from "./redis-url.js";

export type RedisRole = "producer" | "worker" | "client";

/**
 * An ioredis connection with the settings BullMQ needs for its role:
 * - producer: fail fast (no offline queue) so an HTTP handler can answer 503 instead of hanging;
 * - worker: `maxRetriesPerRequest: null` so blocking commands survive reconnects;
 * - client: plain commands (run store, dedup records) that also fail fast.
 */
export function createRedis(url: string, role: RedisRole, log?: Logger): Redis {
  const options: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null }
      : // a Redis that accepts connections but stops answering must not hang an HTTP request past
        // a webhook sender's timeout (GitHub gives up after 10 s): commands fail after 3 s instead
        { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 3000 };
  const common: RedisOptions = {
    ...options,
    lazyConnect: false,
    // reconnect quickly: a restarted Redis or a promoted replica should be used within a second or two
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 4), 2000),
  };
  const target = parseRedisUrl(url);
  const redis =
    "url" in target
      ? new Redis(target.url, common)
      : new Redis({
          ...common,
          ...target.sentinel,
          sentinelRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 4), 2000),
          // after a failover the old primary answers READONLY: reconnect to the new one
          reconnectOnError: (err) => err.message.startsWith("READONLY"),
        });
  // ioredis emits "error" on every failed reconnect; without a listener Node would crash the process
  let lastLogged = 0;
  redis.on("error", (err) => {
    if (Date.now() - lastLogged > 5000) {
      lastLogged = Date.now();
      log?.warn(
        { err: { name: err.name, message: err.message }, role },
        "redis connection error (check REDIS_URL)",
      );
    }
  });
  return redis;
}

/** Whether Redis answers right now, and if not why (for /ready). */
export async function redisReadiness(
  redis: Redis,
  timeoutMs = 1000,
): Promise<{ ok: boolean; reason: string }> {
  if (redis.status !== "ready") return { ok: false, reason: `redis connection is ${redis.status}` };
  try {
    const pong = await withTimeout(redis.ping(), timeoutMs);
    return pong === "PONG"
      ? { ok: true, reason: "redis answers" }
      : { ok: false, reason: `redis answered ${pong}` };
  } catch (err) {
    return { ok: false, reason: `redis does not answer: ${(err as Error).message}` };
  }
}

/** Whether Redis answers right now (for /ready). */
export async function redisReady(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  return (await redisReadiness(redis, timeoutMs)).ok;
}

/** Resolves once the connection is ready, or rejects with a message naming REDIS_URL. */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnreachableError(timeoutMs));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off("ready", onReady);
    };
    redis.on("ready", onReady);
  });
}

/**
 * Whether an error means Redis is unreachable or not answering (so an HTTP caller should get 503 and
 * retry). ioredis has no error classes for these, so its fixed messages and socket codes are checked.
 */
export function isRedisUnavailableError(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  if (!e) return false;
  if (e.name === "MaxRetriesPerRequestError") return true;
  if (e.code === "ECONNREFUSED" || e.code === "ECONNRESET" || e.code === "ETIMEDOUT" || e.code === "EPIPE")
    return true;
  return (
    e.message === "Command timed out" ||
    e.message === "Connection is closed." ||
    /Stream isn't writeable/.test(e.message ?? "")
  );
}
