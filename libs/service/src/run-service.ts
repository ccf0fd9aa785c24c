import { explainStartupError } from "@orchestrator/config";
import { sleep } from "@orchestrator/contracts";
import {
  createLogger,
  createRegistry,
  type Readiness,
  startHealthServer,
  startMetricsServer,
} from "@orchestrator/observability";
import {
  createRedis,
  onShutdown,
  type RedisRole,
  redactRedisUrl,
  type ShutdownStep,
  waitForRedis,
} from "@orchestrator/queue";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

/** The settings every service reads (the config schemas of the apps all carry them). */
export interface ServiceConfig {
  LOG_LEVEL?: string | undefined;
  REDIS_URL?: string | undefined;
  METRICS_HOST: string;
  METRICS_PORT: number;
  HEALTH_HOST?: string | undefined;
  HEALTH_PORT?: number | undefined;
}

/** What a service's `start` gets: its config, logger, metrics registry and Redis connections. */
export interface ServiceContext<C extends ServiceConfig> {
  readonly name: string;
  readonly config: C;
  readonly log: Logger;
  readonly registry: Registry;
  readonly redisUrl: string;
  /** The service's plain-command connection (run store, records); the one start-up waits for. */
  readonly client: Redis;
  /** A new Redis connection for `role`; every connection is closed after the service's own steps. */
  redis(role: RedisRole): Redis;
  /** Logs `message` as fatal and exits 1: a start-up problem the operator must fix. */
  fatal(message: string): never;
}

/** What `start` hands back. */
export interface StartedService {
  /** /ready of the health server on HEALTH_PORT; leave out for a service that serves /ready itself */
  ready?: () => Promise<boolean | Readiness>;
  /** closed in order on SIGTERM/SIGINT, before the health and metrics servers and Redis */
  steps: ShutdownStep[];
  /** extra fields of the "started" log line */
  fields?: Record<string, unknown>;
  /** runs once everything listens; gets the function that shuts the service down */
  afterStart?: (shutdown: () => Promise<void>) => Promise<void> | void;
}

export interface ServiceSpec<C extends ServiceConfig> {
  /** `ingress`, `renderer`, …: the logger's and the metrics' `service` label, and the error prefix */
  name: string;
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  /**
   * `wait` (default): start only once Redis answers, else exit 1 (a crash loop an operator sees);
   * `background`: start at once and log when Redis is unreachable (/ready reports it meanwhile).
   */
  redisAtStart?: "wait" | "background";
  /** the variable to name when the service's own HTTP server cannot bind (default HEALTH_PORT) */
  portVariable?: string;
  /** turns an error `start` throws into an operator's message (default: only the known start-up errors) */
  explain?: (err: unknown) => string | undefined;
  start: (context: ServiceContext<C>) => Promise<StartedService>;
}

/** Thrown by `fatal` inside `start`: the message is the whole story, no stack. */
class FatalStartupError extends Error {}

/**
 * The composition-root shape every service shares: environment → logger + registry → Redis →
 * the service's own wiring → /health + /ready and /metrics → shutdown on SIGTERM/SIGINT (the
 * service's steps, then the servers, then every Redis connection). A start-up failure prints one
 * line that says what to fix and exits 1.
 */
export function runService<C extends ServiceConfig>(spec: ServiceSpec<C>): void {
  startService(spec).catch((err: unknown) => {
    const message =
      err instanceof FatalStartupError
        ? err.message
        : (spec.explain?.(err) ??
          explainStartupError(err, { portVariable: spec.portVariable ?? "HEALTH_PORT" }) ??
          (err instanceof Error ? (err.stack ?? err.message) : String(err)));
    process.stderr.write(`${spec.name}: ${message}\n`);
    process.exit(1);
  });
}

async function startService<C extends ServiceConfig>(spec: ServiceSpec<C>): Promise<void> {
  const config = spec.loadConfig(process.env);
  const log = createLogger({ service: spec.name, ...(config.LOG_LEVEL ? { level: config.LOG_LEVEL } : {}) });
  const registry = createRegistry(spec.name);
  const redisUrl = config.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!config.REDIS_URL) log.warn({ redisUrl }, "REDIS_URL is not set; using the local default");
  const connections: Redis[] = [];
  const connect = (role: RedisRole) => {
    const connection = createRedis(redisUrl, role, log);
    connections.push(connection);
    return connection;
  };
  const client = connect("client");
  const context: ServiceContext<C> = {
    name: spec.name,
    config,
    log,
    registry,
    redisUrl,
    client,
    redis: connect,
    fatal(message) {
      log.fatal(message);
      throw new FatalStartupError(message);
    },
  };

  const waitAtStart = (spec.redisAtStart ?? "wait") === "wait";
  if (waitAtStart) await waitForRedis(client).catch((err: Error) => context.fatal(err.message));

  const started = await spec.start(context);
  const { ready } = started;
  const health =
    ready && config.HEALTH_PORT !== undefined
      ? await startHealthServer({ ready, host: config.HEALTH_HOST ?? "0.0.0.0", port: config.HEALTH_PORT })
      : undefined;
  const metrics = await startMetricsServer({
    registry,
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
  }).catch((err: unknown) => {
    // the metrics server names METRICS_HOST/METRICS_PORT itself
    throw new FatalStartupError(
      explainStartupError(err, { portVariable: "METRICS_PORT" }) ?? (err as Error).message,
    );
  });
  log.info(
    { ...started.fields, healthPort: health?.port, metricsPort: metrics.port },
    `${spec.name} started`,
  );

  const shutdown = onShutdown(
    [
      ...started.steps,
      ...(health ? [{ name: "health server", close: () => health.close() }] : []),
      { name: "metrics server", close: () => metrics.close() },
      {
        name: "redis",
        // QUIT flushes what is pending; a connection that does not answer in 1 s is dropped
        close: () =>
          Promise.all(
            connections.map((r) =>
              Promise.race([r.quit(), sleep(1000)])
                .catch(() => undefined)
                .finally(() => r.disconnect()),
            ),
          ),
      },
    ],
    log,
  );
  if (!waitAtStart) {
    waitForRedis(client, 5000).then(
      () => log.info("connected to Redis"),
      () =>
        log.error(
          { redisUrl: redactRedisUrl(redisUrl) },
          "Redis is unreachable: check REDIS_URL; /ready fails until it answers",
        ),
    );
  }
  await started.afterStart?.(shutdown);
}
