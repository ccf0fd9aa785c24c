import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { createRedis, type RedisRole, waitForRedis } from "./connection.js";

/**
 * Test helpers: a connection to the test Redis (REDIS_URL, set by the vitest global setup of
 * `@orchestrator/local-redis`) and a unique key prefix per test so tests never see each other's keys.
 */
export function testRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url)
    throw new Error("REDIS_URL is not set: add @orchestrator/local-redis/vitest-global-setup to globalSetup");
  return url;
}

export async function connectTestRedis(role: RedisRole = "client"): Promise<Redis> {
  const redis = createRedis(testRedisUrl(), role);
  await waitForRedis(redis);
  return redis;
}

export function uniquePrefix(label = "t"): string {
  return `test-${label}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under a prefix. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
