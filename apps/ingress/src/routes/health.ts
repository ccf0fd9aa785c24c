import { redisReadiness } from "@orchestrator/queue";
import { Router } from "express";
import type { Redis } from "ioredis";
import { UNAVAILABLE_RETRY_AFTER } from "../errors/error-handler.js";

export const INGRESS_VERSION = "0.1.0";

/** `/health` (the process answers), `/ready` (Redis answers); `/metrics` is on METRICS_PORT only. */
export function healthRouter(options: { redis: Redis; now: () => Date }): Router {
  const router = Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "healthy", version: INGRESS_VERSION, timestamp: options.now().toISOString() });
  });
  router.get("/ready", async (_req, res) => {
    const { ok, reason } = await redisReadiness(options.redis);
    if (ok) {
      res.json({ status: "ready", reason });
      return;
    }
    res
      .status(503)
      .set("retry-after", UNAVAILABLE_RETRY_AFTER)
      .json({ status: "not ready", reason, error: `Redis is unreachable (REDIS_URL): ${reason}` });
  });
  return router;
}
