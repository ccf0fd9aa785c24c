import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { explainStartupError } from "@orchestrator/config";
import { QUEUES } from "@orchestrator/contracts";
import {
  createDispatcher,
  githubAppTokens,
  kubeApiErrorCounter,
  loadDispatcherConfig,
} from "@orchestrator/dispatcher";
import {
  createIngress,
  ingressGithubClient,
  listen,
  loadIngressConfig,
  loadRules,
  scheduleGithubRescan,
} from "@orchestrator/ingress";
import { KubeConfigError } from "@orchestrator/kube";
import { ensureRedis } from "@orchestrator/local-redis";
import { createLogger, createRegistry, startMetricsServer } from "@orchestrator/observability";
import { RunPolicy } from "@orchestrator/policy";
import { createQueue, createRedis, onShutdown, waitForRedis } from "@orchestrator/queue";
import { createRenderer as createTemplateRenderer } from "@orchestrator/render";
import {
  createRenderer,
  isPermanentRenderError,
  loadRendererConfig,
  rendererSettingsFrom,
  renderWithTemplates,
} from "@orchestrator/renderer";
import { RunStore } from "@orchestrator/run-store";
import { createRuntime, LocalRuntime, logReaderFor } from "@orchestrator/runtime";
import {
  createWatcher,
  githubClientFromConfig,
  loadWatcherConfig,
  type WatcherRuntime,
  watcherSettingsFromConfig,
} from "@orchestrator/watcher";
import { pino } from "pino";
import { ensureDevToken } from "./dev-token.js";
import { startupBanner } from "./startup-banner.js";

/**
 * All four services in one process (`npm start`): the small install and local development.
 * Without REDIS_URL it starts a private redis-server; without Kubernetes credentials runs execute as
 * local processes; without API_TOKENS it writes a token to `<DATA_DIR>/api-token` for the CLI.
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  const dataDir = resolve(env.DATA_DIR ?? ".data");
  env.DATA_DIR = dataDir;
  // a development install listens on this machine only unless told otherwise (the image sets 0.0.0.0)
  env.SERVER_HOST ??= "127.0.0.1";
  env.METRICS_HOST ??= "127.0.0.1";
  // on a terminal a short banner replaces the JSON logs, which go to a file (warnings also to stderr)
  const terminal = Boolean(process.stdout.isTTY);
  const logFile = resolve(dataDir, "orchestrator.log");
  if (!env.API_TOKENS) env.API_TOKENS = `local:${await ensureDevToken(resolve(dataDir, "api-token"))}`;

  const ingressConfig = loadIngressConfig(env);
  const rendererConfig = loadRendererConfig(env);
  const dispatcherConfig = loadDispatcherConfig(env);
  const watcherConfig = loadWatcherConfig(env);
  if (terminal) mkdirSync(dataDir, { recursive: true });
  const log = createLogger({
    service: "orchestrator",
    level: ingressConfig.LOG_LEVEL,
    ...(terminal
      ? {
          destination: pino.multistream([
            { level: "trace", stream: pino.destination({ dest: logFile, mkdir: true, sync: false }) },
            { level: "warn", stream: process.stderr },
          ]),
        }
      : {}),
  });
  const registry = createRegistry("orchestrator");
  const prefix = ingressConfig.QUEUE_PREFIX;

  const redisServer = await ensureRedis({ url: env.REDIS_URL });
  if (redisServer.started)
    log.info({ url: redisServer.url }, "started a private redis-server (REDIS_URL is not set)");
  const url = redisServer.url;
  const client = createRedis(url, "client", log);
  const producer = createRedis(url, "producer", log);
  const worker = createRedis(url, "worker", log);
  const dispatcherSubscriber = createRedis(url, "worker", log);
  const watcherSubscriber = createRedis(url, "worker", log);
  const sseSubscribers = new Set<ReturnType<typeof createRedis>>();
  await waitForRedis(client);

  const runStore = new RunStore({ redis: client, prefix, retentionMs: ingressConfig.RUN_RETENTION });
  const queues = {
    render: createQueue(QUEUES.render, { connection: producer, prefix, log }),
    dispatch: createQueue(QUEUES.dispatch, { connection: producer, prefix, log }),
    control: createQueue(QUEUES.control, { connection: producer, prefix, log }),
  };
  // queue depth (render, dispatch, control) is registered by the watcher

  const kubeErrors = kubeApiErrorCounter(registry);
  const { runtime, credentials, clients } = createRuntime(dispatcherConfig, env, {
    log,
    onApiError: (verb, code) => kubeErrors.inc({ verb, code }),
    githubApp: githubAppTokens(dispatcherConfig, log),
  });
  const watcherRuntime: WatcherRuntime = clients
    ? { kind: "kubernetes", clients }
    : { kind: "local", dataDir };
  log.info(
    { runtime: runtime.kind, credentials, namespace: dispatcherConfig.KUBERNETES_NAMESPACE },
    "runtime selected",
  );
  if (runtime instanceof LocalRuntime) {
    const cleaned = await runtime.sweep();
    if (cleaned > 0) log.info({ cleaned }, "removed key material left by earlier local runs");
  }

  const templates = await createTemplateRenderer({
    ...(rendererConfig.TEMPLATES_DIR ? { templatesDir: rendererConfig.TEMPLATES_DIR } : {}),
    settings: rendererSettingsFrom(rendererConfig),
    watch: rendererConfig.TEMPLATES_WATCH,
    onReload: () => log.info("templates reloaded"),
    onError: (err) => log.error({ err }, "template reload failed; keeping the previous templates"),
  });
  const renderer = createRenderer({
    runStore,
    renderQueue: queues.render,
    dispatchQueue: queues.dispatch,
    workerConnection: worker,
    prefix,
    render: renderWithTemplates(templates),
    isPermanent: isPermanentRenderError,
    log: log.child({ app: "renderer" }),
    registry,
    concurrency: rendererConfig.RENDER_CONCURRENCY,
  });
  const dispatcher = createDispatcher({
    config: dispatcherConfig,
    runStore,
    runtime,
    queues: { dispatch: queues.dispatch },
    redis: { client, worker, subscriber: dispatcherSubscriber },
    logger: log.child({ app: "dispatcher" }),
    registry,
  });
  // one rules file for the ingress and for kubectl-applied CRs
  const rules = await loadRules(ingressConfig.rulesFile);
  const watcher = createWatcher({
    settings: watcherSettingsFromConfig(watcherConfig),
    policy: new RunPolicy({
      rules,
      allowedGitHosts: watcherConfig.ALLOWED_GIT_HOSTS,
      callbackAllowedHosts: watcherConfig.CALLBACK_ALLOWED_HOSTS,
      allowedEnvSecrets: watcherConfig.ALLOWED_ENV_SECRETS,
      registry,
    }),
    runtime: watcherRuntime,
    runStore,
    redis: client,
    subscriber: watcherSubscriber,
    workerConnection: worker,
    queues,
    github: githubClientFromConfig(watcherConfig),
    prefix,
    log: log.child({ app: "watcher" }),
    registry,
    now: () => new Date(),
  });
  const ingressGithub = ingressGithubClient(ingressConfig);
  const ingress = createIngress({
    config: ingressConfig,
    rules,
    runStore,
    renderQueue: queues.render,
    controlQueue: queues.control,
    redis: client,
    createSubscriber: () => {
      const subscriber = createRedis(url, "worker", log);
      sseSubscribers.add(subscriber);
      return subscriber;
    },
    logger: log.child({ app: "ingress" }),
    registry,
    logReader: logReaderFor(runtime),
    // a run this machine cannot start is refused at once (422 naming the fix), not failed later
    preflight: runtime.preflight ? (request) => runtime.preflight!(request) : undefined,
    github: ingressGithub,
  });

  await dispatcher.start();
  await watcher.start();
  const server = await listen(ingress.app, ingressConfig.SERVER_HOST, ingressConfig.SERVER_PORT);
  const metricsServer = await startMetricsServer({
    registry,
    host: ingressConfig.METRICS_HOST,
    port: ingressConfig.METRICS_PORT,
  });
  const host = ingressConfig.SERVER_HOST;
  const local = host === "127.0.0.1" || host === "localhost" || host === "::1";
  const apiUrl = `http://${local || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${server.port}`;
  const tokenFile = env.API_TOKENS.startsWith("local:") ? resolve(dataDir, "api-token") : undefined;
  log.info(
    {
      url: apiUrl,
      host,
      metrics: `${ingressConfig.METRICS_HOST}:${metricsServer.port}`,
      runtime: runtime.kind,
      dataDir,
      tokenFile,
    },
    "orchestrator started (ingress, renderer, dispatcher, watcher)",
  );
  if (terminal)
    process.stdout.write(
      startupBanner({ url: apiUrl, runtime: runtime.kind, tokenFile, logFile, exposed: !local }),
    );

  // missed-delivery reconciliation (GitHub credentials only)
  const rescan =
    ingressConfig.GITHUB_RESCAN && ingressGithub
      ? scheduleGithubRescan(() => ingress.rescan(), {
          ready: async () => undefined,
          intervalMs: ingressConfig.GITHUB_RESCAN_INTERVAL,
          log,
        })
      : undefined;
  onShutdown(
    [
      { name: "http server", close: () => server.close() },
      { name: "metrics server", close: () => metricsServer.close() },
      { name: "github re-scan", close: async () => rescan?.stop() },
      { name: "ingress", close: () => ingress.close() },
      { name: "renderer", close: () => renderer.close() },
      { name: "templates", close: async () => templates.close() },
      { name: "dispatcher", close: () => dispatcher.stop() },
      { name: "watcher", close: () => watcher.stop() },
      { name: "queues", close: () => Promise.all(Object.values(queues).map((q) => q.close())) },
      {
        name: "redis",
        close: async () => {
          for (const c of [
            client,
            producer,
            worker,
            dispatcherSubscriber,
            watcherSubscriber,
            ...sseSubscribers,
          ])
            c.disconnect();
        },
      },
      { name: "redis-server", close: () => redisServer.stop() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  const explained = explainStartupError(err, { portVariable: "SERVER_PORT" });
  const message =
    explained ??
    (err instanceof KubeConfigError ||
    (err as Error)?.name === "RulesFileError" ||
    (err as Error)?.name === "RedisNotInstalledError" ||
    (err as Error)?.name === "RedisUnreachableError"
      ? (err as Error).message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err));
  process.stderr.write(`orchestrator: ${message}\n`);
  process.exit(1);
});
