import { Redis } from "ioredis";

/** Reads BullMQ's state straight from Redis: whether a dispatch job's lock is held (a worker has it). */
export async function dispatchLockHeld(redisUrl: string, prefix: string, jobId: string): Promise<boolean> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return (await redis.exists(`${prefix}:dispatch:${jobId}:lock`)) === 1;
  } finally {
    redis.disconnect();
  }
}
