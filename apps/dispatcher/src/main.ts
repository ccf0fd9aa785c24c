import { explainStartupError } from "@orchestrator/config";
import { QUEUES } from "@orchestrator/contracts";
import { KubeConfigError } from "@orchestrator/kube";
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
  registerQueueDepthMetric,
  waitForRedis,
} from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { createRuntime, LocalRuntime } from "@orchestrator/runtime";
import { createDispatcher } from "./create-dispatcher.js";
import { type DispatcherConfig, loadDispatcherConfig } from "./dispatcher-config.js";
import { kubeApiErrorCounter } from "./dispatcher-metrics.js";
import { githubAppTokens } from "./github-app-tokens.js";

/** Composition root: reads the environment, wires Redis, the runtime and the workers, and shuts down on SIGTERM. */
async function main(): Promise<void> {
  let config: DispatcherConfig;
  try {
    config = loadDispatcherConfig(process.env);
  } catch (err) {
    process.stderr.write(`dispatcher: ${explainStartupError(err) ?? String(err)}\n`);
    process.exit(1);
  }
  const log = createLogger({ service: "dispatcher", level: config.LOG_LEVEL });
  const registry = createRegistry("dispatcher");
  const kubeErrors = kubeApiErrorCounter(registry);

  let created: ReturnType<typeof createRuntime>;
  const githubApp = githubAppTokens(config, log);
  try {
    created = createRuntime(config, process.env, {
      log,
      onApiError: (verb, code) => kubeErrors.inc({ verb, code }),
      githubApp,
    });
  } catch (err) {
    if (err instanceof KubeConfigError) {
      log.fatal(`RUNTIME=${config.RUNTIME}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { runtime, credentials } = created;
  log.info(
    {
      runtime: runtime.kind,
      credentials,
      namespace: config.KUBERNETES_NAMESPACE,
      agentGithubAuth: githubApp ? "app-token-per-run" : "user-secrets",
    },
    "runtime selected",
  );
  // key material of local runs lives only for the run: clean up after runs that ended while we were down
  if (runtime instanceof LocalRuntime) await runtime.sweep();

  const redisUrl = config.REDIS_URL ?? "redis://127.0.0.1:6379";
  const client = createRedis(redisUrl, "client", log);
  const worker = createRedis(redisUrl, "worker", log);
  const subscriber = createRedis(redisUrl, "worker", log);
  const producer = createRedis(redisUrl, "producer", log);
  try {
    await waitForRedis(client);
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(1);
  }

  const runStore = new RunStore({
    redis: client,
    prefix: config.QUEUE_PREFIX,
    retentionMs: config.RUN_RETENTION,
  });
  const dispatchQueue = createQueue(QUEUES.dispatch, {
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    log,
  });
  const controlQueue = createQueue(QUEUES.control, {
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    log,
  });
  registerQueueDepthMetric(registry, [dispatchQueue, controlQueue]);

  const dispatcher = createDispatcher({
    config,
    runStore,
    runtime,
    queues: { dispatch: dispatchQueue },
    redis: { client, worker, subscriber },
    logger: log,
    registry,
  });
  await dispatcher.start();

  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    health = await startHealthServer({
      ready: dispatcher.ready,
      host: config.HEALTH_HOST,
      port: config.HEALTH_PORT,
    });
  } catch (err) {
    log.fatal(explainStartupError(err, { portVariable: "HEALTH_PORT" }) ?? String(err));
    process.exit(1);
  }
  const metricsServer = await startMetricsServer({
    registry,
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
  });
  log.info({ port: health.port, metricsPort: metricsServer.port }, "health server listening");

  onShutdown(
    [
      { name: "health server", close: () => health.close() },
      { name: "metrics server", close: () => metricsServer.close() },
      { name: "dispatcher", close: () => dispatcher.stop() },
      { name: "queues", close: () => Promise.all([dispatchQueue.close(), controlQueue.close()]) },
      {
        name: "redis",
        close: async () => {
          for (const connection of [subscriber, worker, producer, client]) connection.disconnect();
        },
      },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `dispatcher: ${explainStartupError(err) ?? (err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
  );
  process.exit(1);
});
