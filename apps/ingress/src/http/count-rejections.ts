import type { ErrorRequestHandler } from "express";
import type { IngressMetrics } from "../metrics.js";

/**
 * Counts webhook deliveries the body parser refused (too large, unreadable) as rejected: they never
 * reach the route handler, which counts every other outcome. Passes the error on unchanged.
 */
export function countParserRejections(
  metrics: IngressMetrics,
  source: string,
  paths: readonly string[],
): ErrorRequestHandler {
  return (err: unknown, req, _res, next) => {
    if (paths.includes(req.path) && typeof (err as { type?: unknown })?.type === "string") {
      metrics.webhook(source, "-", "rejected");
    }
    next(err);
  };
}
