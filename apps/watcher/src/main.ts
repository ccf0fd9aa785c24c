import { hostname } from "node:os";
import { resolve } from "node:path";
import { explainStartupError } from "@orchestrator/config";
import { QUEUES } from "@orchestrator/contracts";
import { createKubeClients, KubeConfigError, kubeConfigForRuntime } from "@orchestrator/kube";
import {
  createLogger,
  createRegistry,
  startHealthServer,
  startMetricsServer,
} from "@orchestrator/observability";
import { defaultRulesFile, loadRules, type Rules, RunPolicy } from "@orchestrator/policy";
import { createQueue, createRedis, onShutdown, redisReady, waitForRedis } from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { loadWatcherConfig, type WatcherConfig } from "./config.js";
import { createWatcher, type WatcherRuntime } from "./create-watcher.js";
import { githubClientFromConfig } from "./github/github-client-from-config.js";
import { KubeReader } from "./kube/kube-reader.js";
import { KubeWriter } from "./kube/kube-writer.js";
import { LeaseElector, leaderGauge } from "./leader/lease-elector.js";
import { watcherSettingsFromConfig } from "./settings.js";

/** Composition root: environment → connections → watcher → health server; stops on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: WatcherConfig;
  try {
    config = loadWatcherConfig(process.env);
  } catch (err) {
    process.stderr.write(`watcher: ${explainStartupError(err) ?? String(err)}\n`);
    process.exit(1);
  }
  const log = createLogger({ service: "watcher", level: config.LOG_LEVEL });
  const registry = createRegistry("watcher");

  let runtime: WatcherRuntime;
  try {
    const found = kubeConfigForRuntime(config.RUNTIME, process.env);
    runtime = found
      ? { kind: "kubernetes", clients: createKubeClients(found.kubeConfig) }
      : { kind: "local", dataDir: resolve(process.cwd(), config.DATA_DIR) };
    log.info(
      { runtime: runtime.kind, credentials: found?.source, namespace: config.KUBERNETES_NAMESPACE },
      "runtime selected",
    );
  } catch (err) {
    if (err instanceof KubeConfigError) {
      log.fatal(`RUNTIME=${config.RUNTIME}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  const redisUrl = config.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!config.REDIS_URL) log.warn({ redisUrl }, "REDIS_URL is not set; using the local default");
  const client = createRedis(redisUrl, "client", log);
  const producer = createRedis(redisUrl, "producer", log);
  const worker = createRedis(redisUrl, "worker", log);
  const subscriber = createRedis(redisUrl, "worker", log);
  try {
    await waitForRedis(client);
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(1);
  }

  const prefix = config.QUEUE_PREFIX;
  const runStore = new RunStore({ redis: client, prefix, retentionMs: config.RUN_RETENTION });
  const queues = {
    render: createQueue(QUEUES.render, { connection: producer, prefix, log }),
    dispatch: createQueue(QUEUES.dispatch, { connection: producer, prefix, log }),
    control: createQueue(QUEUES.control, { connection: producer, prefix, log }),
  };
  const github = githubClientFromConfig(config);
  if (!github) log.info("GitHub comments are off (set GITHUB_TOKEN or GITHUB_APP_ID with a private key)");

  let rules: Rules;
  try {
    rules = await loadRules(config.RULES_FILE ?? defaultRulesFile());
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(1);
  }
  const policy = new RunPolicy({
    rules,
    allowedGitHosts: config.ALLOWED_GIT_HOSTS,
    callbackAllowedHosts: config.CALLBACK_ALLOWED_HOSTS,
    allowedEnvSecrets: config.ALLOWED_ENV_SECRETS,
    registry,
  });
  const watcher = createWatcher({
    settings: watcherSettingsFromConfig(config),
    policy,
    runtime,
    runStore,
    redis: client,
    subscriber,
    workerConnection: worker,
    queues,
    github,
    prefix,
    log,
    registry,
    now: () => new Date(),
  });

  const leaderElection = config.LEADER_ELECTION ?? runtime.kind === "kubernetes";
  if (leaderElection && runtime.kind !== "kubernetes") {
    log.fatal(
      "LEADER_ELECTION=true needs the Kubernetes runtime (a Lease); set RUNTIME=kubernetes or LEADER_ELECTION=false",
    );
    process.exit(1);
  }
  let shutdown: (() => Promise<void>) | undefined;
  const elector =
    leaderElection && runtime.kind === "kubernetes"
      ? new LeaseElector({
          reader: new KubeReader(runtime.clients),
          writer: new KubeWriter(runtime.clients),
          namespace: config.KUBERNETES_NAMESPACE,
          name: config.LEADER_LEASE_NAME,
          identity: config.POD_NAME ?? `${hostname()}-${process.pid}`,
          leaseDurationMs: config.LEADER_LEASE_DURATION,
          renewDeadlineMs: config.LEADER_RENEW_DEADLINE,
          retryPeriodMs: config.LEADER_RETRY_PERIOD,
          gauge: leaderGauge(registry),
          log: log.child({ component: "leader" }),
          onStartedLeading: () => watcher.start(),
          // the work stops at once; the process exits and, restarted, waits as a standby
          onStoppedLeading: () => void shutdown?.(),
        })
      : undefined;

  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    health = await startHealthServer({
      // a standby is ready: it waits for the lease, which is its job
      ready: async () =>
        (elector && !elector.isLeader ? true : watcher.ready()) && (await redisReady(client)),
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

  shutdown = onShutdown(
    [
      { name: "leader election", close: async () => elector?.stop() },
      { name: "health server", close: () => health.close() },
      { name: "metrics server", close: () => metricsServer.close() },
      { name: "watcher", close: () => watcher.stop() },
      { name: "queues", close: () => Promise.all(Object.values(queues).map((q) => q.close())) },
      {
        name: "redis",
        close: async () => {
          for (const connection of [subscriber, worker, producer, client]) connection.disconnect();
        },
      },
    ],
    log,
  );
  if (elector) {
    log.info({ lease: config.LEADER_LEASE_NAME }, "waiting to become the leader");
    elector.start();
    return;
  }
  // waits for the first list of every informer; /ready says not ready until then
  await watcher.start();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `watcher: ${explainStartupError(err) ?? (err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
  );
  process.exit(1);
});
