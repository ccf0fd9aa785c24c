import { redisReady } from "@orchestrator/queue";
import { Router } from "express";
import type { Redis } from "ioredis";

export const INGRESS_VERSION = "0.1.0";

/** `/health` (the process answers), `/ready` (Redis answers); `/metrics` is on METRICS_PORT only. */
export function healthRouter(options: { redis: Redis; now: () => Date }): Router {
  const router = Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "healthy", version: INGRESS_VERSION, timestamp: options.now().toISOString() });
  });
  router.get("/ready", async (_req, res) => {
    const ok = await redisReady(options.redis).catch(() => false);
    res
      .status(ok ? 200 : 503)
      .json(ok ? { status: "ready" } : { status: "not ready", error: "Redis is unreachable (REDIS_URL)" });
  });
  return router;
}
