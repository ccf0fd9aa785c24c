import { explainStartupError } from "@orchestrator/config";
import { QUEUES } from "@orchestrator/contracts";
import {
  createLogger,
  createRegistry,
  startHealthServer,
  startMetricsServer,
} from "@orchestrator/observability";
import {
  createQueue,
  createRedis,
  onShutdown,
  redisReady,
  registerQueueDepthMetric,
} from "@orchestrator/queue";
import { createRenderer as createTemplateRenderer } from "@orchestrator/render";
import { RunStore } from "@orchestrator/run-store";
import { loadRendererConfig, rendererSettingsFrom } from "./config.js";
import { createRenderer } from "./create-renderer.js";
import { isPermanentRenderError, renderWithTemplates } from "./run-renderer.js";

/** Composition root of the renderer service. */
async function main(): Promise<void> {
  const config = loadRendererConfig(process.env);
  const log = createLogger({ service: "renderer", level: config.LOG_LEVEL });
  const registry = createRegistry("renderer");
  // alone, the service joins the shared Redis; only the all-in-one process starts a private one
  const redisUrl = config.REDIS_URL ?? "redis://127.0.0.1:6379";
  const client = createRedis(redisUrl, "client", log);
  const workerConnection = createRedis(redisUrl, "worker", log);
  const renderQueue = createQueue(QUEUES.render, { connection: client, prefix: config.QUEUE_PREFIX, log });
  const dispatchQueue = createQueue(QUEUES.dispatch, {
    connection: client,
    prefix: config.QUEUE_PREFIX,
    log,
  });
  registerQueueDepthMetric(registry, [renderQueue, dispatchQueue]);
  const runStore = new RunStore({
    redis: client,
    prefix: config.QUEUE_PREFIX,
    retentionMs: config.RUN_RETENTION,
  });

  const templates = await createTemplateRenderer({
    ...(config.TEMPLATES_DIR ? { templatesDir: config.TEMPLATES_DIR } : {}),
    settings: rendererSettingsFrom(config),
    watch: config.TEMPLATES_WATCH,
    onReload: () => log.info("templates reloaded"),
    onError: (err) => log.error({ err }, "template reload failed; keeping the previous templates"),
  });
  log.info({ templatesDir: templates.templatesDir }, "templates loaded");

  const renderer = createRenderer({
    runStore,
    renderQueue,
    dispatchQueue,
    workerConnection,
    prefix: config.QUEUE_PREFIX,
    render: renderWithTemplates(templates),
    isPermanent: isPermanentRenderError,
    log,
    registry,
    concurrency: config.RENDER_CONCURRENCY,
  });
  const health = await startHealthServer({
    ready: () => redisReady(client),
    host: config.HEALTH_HOST,
    port: config.HEALTH_PORT,
  });
  const metricsServer = await startMetricsServer({
    registry,
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
  });
  log.info({ port: health.port, metricsPort: metricsServer.port }, "renderer started");

  onShutdown(
    [
      { name: "renderer", close: () => renderer.close() },
      { name: "templates", close: async () => templates.close() },
      { name: "health", close: () => health.close() },
      { name: "metrics", close: () => metricsServer.close() },
      { name: "queues", close: () => Promise.all([renderQueue.close(), dispatchQueue.close()]) },
      {
        name: "redis",
        close: async () => {
          client.disconnect();
          workerConnection.disconnect();
        },
      },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  const explained = explainStartupError(err, { portVariable: "HEALTH_PORT" });
  process.stderr.write(`renderer: ${explained ?? (err instanceof Error ? err.stack : String(err))}\n`);
  process.exit(1);
});
