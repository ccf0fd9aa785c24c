import type { QUEUES, RunEvent } from "@orchestrator/contracts";
import type { KubeClients } from "@orchestrator/kube";
import type { RunPolicy } from "@orchestrator/policy";
import { registerQueueDepthMetric, type TypedQueue, waitForRedis } from "@orchestrator/queue";
import { type RunStore, subscribeRunEvents } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type CallbackDelivery, createCallbackDelivery } from "./callbacks/callback-delivery.js";
import { DurableWorkSet } from "./durable-work-set.js";
import { collectGarbage, type GcReport } from "./gc/garbage-collector.js";
import type { GithubClient } from "./github/github-client.js";
import { GithubReporter } from "./github/github-reporter.js";
import { createGithubSync, type GithubSync } from "./github/github-sync.js";
import type { CrRequestDefaults } from "./kube/cr-request.js";
import { createKubeFollower, type KubeFollower } from "./kube/kube-follower.js";
import { createLocalFollower, type LocalFollower } from "./local/local-follower.js";
import { createWatcherMetrics, type WatcherMetrics } from "./metrics.js";
import { OnceMarker } from "./once-marker.js";
import { createOutcomeHandler } from "./outcomes/outcome-handler.js";

/** Tunables of the watcher (from its environment; tests shorten them). */
export interface WatcherSettings {
  /** namespace of Jobs, Pods and DocsRun/CodeRun resources (KUBERNETES_NAMESPACE) */
  namespace: string;
  /** PENDING_TIMEOUT, ms (counted from the Job's creation) */
  pendingTimeoutMs: number;
  /** RESYNC_INTERVAL, ms */
  resyncIntervalMs: number;
  /** LOCAL_POLL_INTERVAL, ms */
  localPollIntervalMs: number;
  /** GC_INTERVAL, ms (0 = no periodic garbage collection) */
  gcIntervalMs: number;
  /** ORPHAN_GRACE, ms */
  orphanGraceMs: number;
  /**
   * RUN_RETENTION, ms: how long comment digests and callback markers are kept, and after how long a
   * finished run's dispatcher-created DocsRun/CodeRun is collected
   */
  retentionMs: number;
  /** wait before restarting a failed watch, ms */
  watchRestartDelayMs: number;
  callbacks: {
    /** CALLBACK_SECRET */
    secret: string | undefined;
    /** CALLBACK_ATTEMPTS */
    attempts: number;
    /** first retry delay, ms (doubles per attempt) */
    backoffMs: number;
    /** CALLBACK_ALLOWED_HOSTS; [] → callbacks only to public addresses (checked when sending) */
    allowedHosts: readonly string[];
  };
  github: {
    /** PUBLIC_URL, for the run link in comments */
    publicUrl: string | undefined;
    /** wait after a phase change before editing the comment, ms */
    debounceMs: number;
    /** how often due comment updates are looked for, ms */
    pollMs: number;
  };
  /** models of kubectl-applied CRs that name none */
  defaults: CrRequestDefaults;
}

/** Where runs execute: the cluster (API clients) or local processes (their data directory). */
export type WatcherRuntime =
  | { kind: "kubernetes"; clients: KubeClients }
  | { kind: "local"; dataDir: string };

export interface WatcherDeps {
  settings: WatcherSettings;
  runtime: WatcherRuntime;
  runStore: RunStore;
  /** client connection (fail-fast): run records, markers, the GitHub work set */
  redis: Redis;
  /** dedicated connection for the run-event subscription (pub/sub mode) */
  subscriber: Redis;
  /** worker connection (`maxRetriesPerRequest: null`) for the callback worker */
  workerConnection: Redis;
  queues: {
    render: TypedQueue<typeof QUEUES.render>;
    dispatch: TypedQueue<typeof QUEUES.dispatch>;
    control: TypedQueue<typeof QUEUES.control>;
  };
  /** GitHub API client; undefined turns GitHub comments off */
  github: GithubClient | undefined;
  /** QUEUE_PREFIX */
  prefix: string;
  log: Logger;
  registry: Registry;
  /** trust-boundary policy kubectl-applied CRs pass before they become runs (see SECURITY.md) */
  policy: RunPolicy;
  now: () => Date;
}

export interface Watcher {
  /** Subscribes to run events, starts following runs (waits for the first Kubernetes list), catches up. Idempotent. */
  start(): Promise<void>;
  /** Stops everything it started (not the Redis connections it was given). Idempotent. */
  stop(): Promise<void>;
  /** true once the informers have listed (always true for the local runtime) */
  ready(): boolean;
  /** one garbage-collection pass now */
  collectGarbage(): Promise<GcReport>;
  readonly kube: KubeFollower | undefined;
  readonly local: LocalFollower | undefined;
  readonly callbacks: CallbackDelivery;
  readonly githubSync: GithubSync | undefined;
  readonly metrics: WatcherMetrics;
}

/**
 * The watcher service: follows every run from its Job (or local process) to a final phase, mirrors it
 * to the run record, the CR status, the GitHub comment and Prometheus, delivers callbacks, retries
 * failed code runs, adopts kubectl-applied CRs and collects garbage.
 */
export function createWatcher(deps: WatcherDeps): Watcher {
  const { settings, log } = deps;
  const now = () => deps.now().getTime();
  const metrics = createWatcherMetrics(deps.registry);
  const callbacks = createCallbackDelivery({
    runStore: deps.runStore,
    redis: deps.redis,
    queueConnection: deps.redis,
    workerConnection: deps.workerConnection,
    prefix: deps.prefix,
    secret: settings.callbacks.secret,
    attempts: settings.callbacks.attempts,
    backoffMs: settings.callbacks.backoffMs,
    allowedHosts: settings.callbacks.allowedHosts,
    retentionMs: settings.retentionMs,
    log: log.child({ component: "callbacks" }),
    callbacks: metrics.callbacks,
  });
  registerQueueDepthMetric(deps.registry, [
    deps.queues.render,
    deps.queues.dispatch,
    deps.queues.control,
    callbacks.queue,
  ]);

  const githubSync = deps.github
    ? createGithubSync({
        reporter: new GithubReporter({
          runStore: deps.runStore,
          redis: deps.redis,
          keyPrefix: `${deps.prefix}:watcher`,
          client: deps.github,
          publicUrl: settings.github.publicUrl,
          retentionMs: settings.retentionMs,
          log: log.child({ component: "github" }),
          comments: metrics.githubComments,
        }),
        set: new DurableWorkSet(deps.redis, `${deps.prefix}:watcher:github-due`, 60_000, now),
        log: log.child({ component: "github" }),
        debounceMs: settings.github.debounceMs,
        pollMs: settings.github.pollMs,
      })
    : undefined;

  const kube =
    deps.runtime.kind === "kubernetes"
      ? createKubeFollower({
          clients: deps.runtime.clients,
          namespace: settings.namespace,
          runStore: deps.runStore,
          renderQueue: deps.queues.render,
          controlQueue: deps.queues.control,
          metrics,
          log,
          now: deps.now,
          pendingTimeoutMs: settings.pendingTimeoutMs,
          resyncIntervalMs: settings.resyncIntervalMs,
          watchRestartDelayMs: settings.watchRestartDelayMs,
          defaults: settings.defaults,
          policy: deps.policy,
        })
      : undefined;
  const local =
    deps.runtime.kind === "local"
      ? createLocalFollower({
          runStore: deps.runStore,
          dataDir: deps.runtime.dataDir,
          pollIntervalMs: settings.localPollIntervalMs,
          log,
        })
      : undefined;

  const outcomes = createOutcomeHandler({
    runStore: deps.runStore,
    renderQueue: deps.queues.render,
    controlQueue: deps.queues.control,
    callbacks,
    github: githubSync,
    metrics,
    // kept past the run record (whose expiry later updates may push out) and the restart scan's reach
    counted: new OnceMarker(
      deps.redis,
      `${deps.prefix}:watcher:counted`,
      settings.retentionMs + 48 * 3600_000,
    ),
    handOver: kube ? (retry) => kube.handOver(retry) : undefined,
    log: log.child({ component: "outcomes" }),
    now,
  });

  const gc = () =>
    collectGarbage({
      runStore: deps.runStore,
      kube:
        kube && deps.runtime.kind === "kubernetes"
          ? { clients: deps.runtime.clients, cache: kube.cache }
          : undefined,
      dataDir: deps.runtime.kind === "local" ? deps.runtime.dataDir : undefined,
      orphanGraceMs: settings.orphanGraceMs,
      retentionMs: settings.retentionMs,
      metrics,
      log: log.child({ component: "gc" }),
      now: deps.now,
    });

  function onRunEvent(event: RunEvent): void {
    kube?.schedule(event.runId);
    local?.schedule(event.runId);
    outcomes
      .onEvent(event)
      .catch((err: unknown) => log.error({ err, runId: event.runId }, "acting on a run event failed"));
  }

  let starting: Promise<void> | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let gcTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let stopped = false;

  async function start(): Promise<void> {
    // subscribing before the connection is ready races ioredis' ready check (INFO is refused in
    // subscriber mode) and can lose the subscription
    await waitForRedis(deps.subscriber, 30_000);
    unsubscribe = await subscribeRunEvents(deps.subscriber, deps.runStore.channel, onRunEvent);
    if (stopped) {
      await unsubscribe();
      return;
    }
    callbacks.start();
    githubSync?.start();
    // waits for the first Kubernetes list; a stop meanwhile ends the start here
    if (kube) await kube.start();
    if (local) await local.start();
    if (stopped) return;
    const seen = await outcomes.scan();
    if (stopped) return;
    if (settings.gcIntervalMs > 0) {
      gcTimer = setInterval(() => {
        gc().catch((err: unknown) => log.warn({ err }, "garbage collection failed"));
      }, settings.gcIntervalMs);
      gcTimer.unref();
    }
    log.info({ runtime: deps.runtime.kind, runs: seen, github: Boolean(githubSync) }, "watcher started");
  }

  return {
    start() {
      starting ??= start();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(gcTimer);
        await unsubscribe?.();
        await githubSync?.stop();
        await kube?.stop();
        await local?.stop();
        await callbacks.close();
      })();
      return stopping;
    },
    ready: () => (kube ? kube.synced : true),
    collectGarbage: gc,
    kube,
    local,
    callbacks,
    githubSync,
    metrics,
  };
}
