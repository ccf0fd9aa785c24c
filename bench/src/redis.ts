import { randomBytes } from "node:crypto";
import { createRedis, waitForRedis } from "@orchestrator/queue";
import { deletePrefix } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";

/** A key prefix private to this benchmark run (every key is deleted afterwards, even on a shared Redis). */
export function benchPrefix(label: string): string {
  return `bench-${label}-${randomBytes(4).toString("hex")}`;
}

export async function connect(url: string): Promise<Redis> {
  const redis = createRedis(url, "client");
  await waitForRedis(redis);
  return redis;
}

export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  if (redis.status === "ready") await deletePrefix(redis, prefix);
}
