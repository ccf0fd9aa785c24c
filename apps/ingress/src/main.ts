import { explainStartupError } from "@orchestrator/config";
import { QUEUES } from "@orchestrator/contracts";
import { createLogger, createRegistry, startMetricsServer } from "@orchestrator/observability";
import { loadRules } from "@orchestrator/policy";
import {
  createQueue,
  createRedis,
  onShutdown,
  redactRedisUrl,
  registerQueueDepthMetric,
  waitForRedis,
} from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { loadIngressConfig } from "./config.js";
import { createIngress } from "./create-ingress.js";
import { HttpError } from "./errors/http-error.js";
import { ingressGithubClient } from "./github/ingress-github-client.js";
import { scheduleGithubRescan } from "./github/rescan-schedule.js";
import type { LogReader } from "./logs/log-reader.js";
import { listen } from "./server.js";

/** Composition root of the ingress service: environment → connections → app → server. */
async function main(): Promise<void> {
  const config = loadIngressConfig(process.env);
  const log = createLogger({ service: "ingress", level: config.LOG_LEVEL });
  const rules = await loadRules(config.rulesFile);
  const redisUrl = config.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!config.REDIS_URL) log.warn({ redisUrl }, "REDIS_URL is not set; using the local default");

  const redis = createRedis(redisUrl, "client", log);
  const producer = createRedis(redisUrl, "producer", log);
  const subscribers = new Set<ReturnType<typeof createRedis>>();
  const registry = createRegistry("ingress");
  const renderQueue = createQueue(QUEUES.render, { connection: producer, prefix: config.QUEUE_PREFIX, log });
  const controlQueue = createQueue(QUEUES.control, {
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    log,
  });
  registerQueueDepthMetric(registry, [renderQueue]);
  const runStore = new RunStore({ redis, prefix: config.QUEUE_PREFIX, retentionMs: config.RUN_RETENTION });

  // run logs in the split deployment: read through the runtime's API with read-only rights. The
  // runtime (and the Kubernetes client) loads in the background so start-up stays fast.
  const logReaderLoading = import("@orchestrator/runtime")
    .then(({ createLogReaderFromEnv }) => createLogReaderFromEnv(process.env, log))
    .then(
      ({ reader, kind }) => {
        log.info({ runtime: kind }, "run logs are read from the runtime");
        return reader;
      },
      (err: unknown) => {
        log.warn(
          { err: { message: (err as Error).message } },
          "run logs unavailable: GET /api/v1/runs/:id/logs answers 501",
        );
        return undefined;
      },
    );
  const logReader: LogReader = {
    async *stream(run, options) {
      const reader = await logReaderLoading;
      if (!reader)
        throw new HttpError(501, "logs are not available in this deployment (no runtime credentials found)");
      yield* reader.stream(run, options);
    },
  };

  const github = ingressGithubClient(config);
  const ingress = createIngress({
    logReader,
    github,
    config,
    rules,
    runStore,
    renderQueue,
    controlQueue,
    redis,
    createSubscriber: () => {
      const subscriber = createRedis(redisUrl, "worker", log);
      subscribers.add(subscriber);
      return subscriber;
    },
    logger: log,
    registry,
  });
  const server = await listen(ingress.app, config.SERVER_HOST, config.SERVER_PORT);
  const metricsServer = await startMetricsServer({
    registry,
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
  });
  log.info(
    {
      host: config.SERVER_HOST,
      port: server.port,
      metricsPort: metricsServer.port,
      rulesFile: config.rulesFile,
      repositories: rules.repositories.length,
    },
    "ingress listening",
  );
  waitForRedis(redis, 5000).then(
    () => log.info("connected to Redis"),
    () =>
      log.error(
        { redisUrl: redactRedisUrl(redisUrl) },
        "Redis is unreachable: check REDIS_URL; /ready fails until it answers",
      ),
  );

  // missed-delivery reconciliation: trigger labels whose webhook delivery never arrived
  const rescan =
    config.GITHUB_RESCAN && github
      ? scheduleGithubRescan(() => ingress.rescan(), {
          ready: () => waitForRedis(redis, 60_000),
          intervalMs: config.GITHUB_RESCAN_INTERVAL,
          log,
        })
      : undefined;

  onShutdown(
    [
      { name: "github re-scan", close: async () => rescan?.stop() },
      { name: "http server", close: () => server.close() },
      { name: "metrics server", close: () => metricsServer.close() },
      { name: "ingress", close: () => ingress.close() },
      { name: "render queue", close: () => renderQueue.close() },
      { name: "control queue", close: () => controlQueue.close() },
      {
        name: "redis",
        close: async () =>
          Promise.all([redis, producer, ...subscribers].map((r) => r.quit().catch(() => r.disconnect()))),
      },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  const explained = explainStartupError(err, { portVariable: "SERVER_PORT" });
  const message =
    explained ??
    ((err as Error)?.name === "RulesFileError"
      ? (err as Error).message
      : `ingress failed to start: ${(err as Error)?.message}`);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
