import { z } from "zod";
import { duration, logLevel, nonNegativeInt, port, redisUrl } from "./fields.js";

/**
 * Variables of the Prometheus endpoint. `/metrics` has its own port so the Service that faces the
 * internet (the ingress's SERVER_PORT) never exposes it; only the ServiceMonitor scrapes this one.
 */
export const metricsEnv = {
  /** Bind address of `/metrics`. */
  METRICS_HOST: z.string().min(1).default("0.0.0.0"),
  /** Port of `/metrics` (0 picks a free port). */
  METRICS_PORT: port(9090),
} as const;

/** Variables every service reads. */
export const commonEnv = {
  /** Redis for queues and run records. Unset: `npm start` and the tests start a local redis-server. */
  REDIS_URL: redisUrl,
  /** Prefix of every Redis key and BullMQ queue, so several installs can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, "must be letters, digits, _ or - (no colon)")
    .default("orchestrator"),
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: logLevel,
  /** How long run records are kept after they were last updated. */
  RUN_RETENTION: duration("7d"),
  /** Kubernetes namespace of runs, Jobs and ConfigMaps. */
  KUBERNETES_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name")
    .default("default"),
  /** Runs waiting or active at once, across all services (0 = unlimited). */
  MAX_CONCURRENT_RUNS: nonNegativeInt(10),
  ...metricsEnv,
} as const;

/** Variables of services that serve HTTP. */
export const serverEnv = {
  /** Bind address of the HTTP server. */
  SERVER_HOST: z.string().min(1).default("0.0.0.0"),
  /** Port of the HTTP server (0 picks a free port). */
  SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
} as const;
