import type { RunRequest } from "@orchestrator/contracts";
import type { GithubClient } from "@orchestrator/github";
import type { Logger, Registry } from "@orchestrator/observability";
import { type Rules, RunPolicy } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import express, { type Express } from "express";
import type { Redis } from "ioredis";
import { requireApiToken } from "./auth/api-tokens.js";
import type { IngressConfig } from "./config.js";
import { createErrorHandler, notFoundHandler } from "./errors/error-handler.js";
import { type RescanResult, rescanGithubTriggers } from "./github/github-rescan.js";
import { AlertRunCap } from "./grafana/alert-cap.js";
import type { IngressContext } from "./ingress-context.js";
import type { LogReader } from "./logs/log-reader.js";
import { IngressMetrics } from "./metrics.js";
import { apiRunEventsRouter } from "./routes/api-run-events.js";
import { apiRunLogsRouter } from "./routes/api-run-logs.js";
import { apiRunsRouter } from "./routes/api-runs.js";
import { githubWebhookRouter } from "./routes/github-webhook.js";
import { grafanaWebhookRouter } from "./routes/grafana-webhook.js";
import { healthRouter } from "./routes/health.js";
import { IssueIndex } from "./runs/issue-index.js";
import { RunCanceller } from "./runs/run-canceller.js";
import { RunSubmitter } from "./runs/run-submitter.js";
import { RunEventHub } from "./sse/run-event-hub.js";
import { createConsole } from "./ui/console-router.js";

export interface IngressDependencies {
  config: IngressConfig;
  /** validated rules (see loadRules) */
  rules: Rules;
  runStore: RunStore;
  /** producer of the render queue (fail-fast connection) */
  renderQueue: TypedQueue<"render">;
  /** producer of the control queue (cancel requests) */
  controlQueue: TypedQueue<"control">;
  /** fail-fast client connection for de-duplication records, counters and indexes (and /ready) */
  redis: Redis;
  /** a new dedicated connection for pub/sub (SSE run events); called at most once at a time */
  createSubscriber: () => Redis;
  logger: Logger;
  registry: Registry;
  /** streams run logs for `GET /api/v1/runs/:id/logs`; absent → 501 */
  logReader?: LogReader | undefined;
  /** GitHub API client, for lookups webhooks need (a pull request's branch); absent → those are refused */
  github?: GithubClient | undefined;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /** checks a run against the runtime before accepting it (the local runtime's preflight); problems → 422 */
  preflight?: ((request: RunRequest) => Promise<string[]>) | undefined;
}

export interface Ingress {
  app: Express;
  /** Releases what the app holds (the SSE pub/sub connection); the caller closes queues and Redis. */
  close(): Promise<void>;
  /** Missed-delivery reconciliation: one re-scan of the trigger labels (see rescanGithubTriggers). */
  rescan(): Promise<RescanResult[]>;
}

/**
 * The ingress HTTP app: GitHub and Grafana webhooks, the run API (and the original `/pm/*`
 * aliases), health and metrics. Every dependency is passed in; nothing here reads the environment.
 */
export function createIngress(deps: IngressDependencies): Ingress {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const metrics = new IngressMetrics(deps.registry);
  const redisAvailable = () => deps.redis.status === "ready";
  const issueIndex = new IssueIndex(deps.redis, deps.config.QUEUE_PREFIX, deps.config.RUN_RETENTION);
  const policy = new RunPolicy({
    rules: deps.rules,
    allowedGitHosts: deps.config.ALLOWED_GIT_HOSTS,
    callbackAllowedHosts: deps.config.CALLBACK_ALLOWED_HOSTS,
    allowedEnvSecrets: deps.config.ALLOWED_ENV_SECRETS,
    registry: deps.registry,
  });
  const events = new RunEventHub(deps.createSubscriber, deps.runStore.channel, log);
  const ctx: IngressContext = {
    config: deps.config,
    rules: deps.rules,
    runStore: deps.runStore,
    renderQueue: deps.renderQueue,
    redis: deps.redis,
    submitter: new RunSubmitter({
      runStore: deps.runStore,
      policy,
      renderQueue: deps.renderQueue,
      issueIndex,
      metrics,
      log,
      redisAvailable,
      preflight: deps.preflight,
    }),
    canceller: new RunCanceller({
      runStore: deps.runStore,
      renderQueue: deps.renderQueue,
      controlQueue: deps.controlQueue,
      log,
      now,
    }),
    issueIndex,
    events,
    logReader: deps.logReader,
    github: deps.github,
    metrics,
    log,
    redisAvailable,
    now,
  };
  const cap = new AlertRunCap(
    deps.redis,
    deps.config.QUEUE_PREFIX,
    deps.rules.grafana.maxRunsPerRule,
    deps.rules.grafana.capWindow,
    now,
  );

  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // answers are small and never cached by their clients: no hashing of every JSON body for an ETag
  app.set("etag", false);
  app.use(metrics.middleware());
  app.use(healthRouter({ redis: deps.redis, now }));
  // webhook routes read the raw body themselves (signatures are over the exact bytes)
  app.use(githubWebhookRouter(ctx));
  app.use(grafanaWebhookRouter(ctx, cap));
  const webConsole = createConsole(ctx);
  app.use("/ui", webConsole.router);
  app.use("/api/v1", requireApiToken(deps.config.API_TOKENS, deps.config.VIEWER_TOKENS));
  app.use(apiRunsRouter(ctx));
  app.use(apiRunLogsRouter(ctx));
  app.use(apiRunEventsRouter(ctx));
  app.use(notFoundHandler);
  app.use(createErrorHandler({ log, redisAvailable }));

  const config = deps.config;
  const rescanOptions = {
    repositories:
      config.GITHUB_RESCAN_REPOSITORIES.length > 0
        ? config.GITHUB_RESCAN_REPOSITORIES
        : deps.rules.repositories.flatMap((r) => [r.match].flat()).filter((m) => !/[*?[]/.test(m)),
    windowMs: Math.min(config.GITHUB_RESCAN_WINDOW, config.RUN_RETENTION),
  };
  return {
    app,
    close: async () => Promise.all([events.close(), webConsole.close()]).then(() => undefined),
    rescan: () => rescanGithubTriggers(ctx, rescanOptions),
  };
}
