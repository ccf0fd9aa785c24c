import { connectTestRedis, deletePrefix, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";

export interface RedisContext {
  redis: Redis;
  prefix: string;
  runStore: RunStore;
  cleanup(): Promise<void>;
}

/** A client connection, a unique key prefix and a run store on it; `cleanup` deletes the keys. */
export async function redisContext(label: string, retentionMs = 3_600_000): Promise<RedisContext> {
  const redis = await connectTestRedis();
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    runStore: new RunStore({ redis, prefix, retentionMs }),
    async cleanup() {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
