import { ensureRedis, type LocalRedis } from "./ensure-redis.js";

/**
 * vitest globalSetup: makes sure tests have a real Redis. Uses REDIS_URL when set, otherwise starts
 * a private redis-server for the test run. Test workers inherit `REDIS_URL` from this process.
 */
let redis: LocalRedis | undefined;

export async function setup(): Promise<void> {
  redis = await ensureRedis({ url: process.env.REDIS_URL });
  process.env.REDIS_URL = redis.url;
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
