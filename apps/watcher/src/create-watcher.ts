import type { RunEvent } from "@orchestrator/contracts";
import { registerQueueDepthMetric, waitForRedis } from "@orchestrator/queue";
import { subscribeRunEvents } from "@orchestrator/run-store";
import { type CallbackDelivery, createCallbackDelivery } from "./callbacks/callback-delivery.js";
import { DurableWorkSet } from "./durable-work-set.js";
import { collectGarbage, type GcReport } from "./gc/garbage-collector.js";
import { GithubReporter } from "./github/github-reporter.js";
import { createGithubSync, type GithubSync } from "./github/github-sync.js";
import { redeliverFailedDeliveries } from "./github/redeliver-failed.js";
import { createKubeFollower, type KubeFollower } from "./kube/kube-follower.js";
import { createLocalFollower, type LocalFollower } from "./local/local-follower.js";
import { createWatcherMetrics, type WatcherMetrics } from "./metrics.js";
import { OnceMarker } from "./once-marker.js";
import { createFinalEffects, type FinalEffects } from "./outcomes/final-effects.js";
import { createOutcomeHandler } from "./outcomes/outcome-handler.js";
import type { WatcherDeps } from "./watcher-deps.js";

export type { WatcherDeps, WatcherRuntime, WatcherSettings } from "./watcher-deps.js";

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
  readonly finalEffects: FinalEffects;
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

  const finalEffects: FinalEffects = createFinalEffects({
    set: new DurableWorkSet(deps.redis, `${deps.prefix}:watcher:final-effects`, 60_000, now),
    redis: deps.redis,
    doneKeyPrefix: `${deps.prefix}:watcher:effect-done`,
    doneTtlMs: settings.retentionMs + 48 * 3600_000,
    runStore: deps.runStore,
    renderQueue: deps.queues.render,
    controlQueue: deps.queues.control,
    callbacks,
    metrics,
    // kept past the run record (whose expiry later updates may push out) and the restart scan's reach
    counted: new OnceMarker(
      deps.redis,
      `${deps.prefix}:watcher:counted`,
      settings.retentionMs + 48 * 3600_000,
    ),
    handOver: (retry) => kube?.handOver(retry) ?? Promise.resolve(),
    log: log.child({ component: "final-effects" }),
  });

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
          timing: settings.watch,
          defaults: settings.defaults,
          policy: deps.policy,
          onFinal: (runId) => finalEffects.mark(runId),
        })
      : undefined;
  const local =
    deps.runtime.kind === "local"
      ? createLocalFollower({
          runStore: deps.runStore,
          dataDir: deps.runtime.dataDir,
          pollIntervalMs: settings.localPollIntervalMs,
          log,
          onFinal: (runId) => finalEffects.mark(runId),
        })
      : undefined;

  const outcomes = createOutcomeHandler({
    runStore: deps.runStore,
    finalEffects,
    github: githubSync,
    metrics,
    log: log.child({ component: "outcomes" }),
    now,
  });

  const gc = () =>
    collectGarbage({
      runStore: deps.runStore,
      kube: kube ? { reader: kube.reader, writer: kube.writer, cache: kube.cache } : undefined,
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
  let redeliverTimer: NodeJS.Timeout | undefined;
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
    finalEffects.start();
    githubSync?.start();
    // waits for the first Kubernetes list; a stop meanwhile ends the start here
    if (kube) await kube.start();
    if (local) await local.start();
    if (stopped) return;
    const seen = await outcomes.scan();
    if (stopped) return;
    const app = deps.github?.app;
    const redeliverMs = settings.github.redeliverIntervalMs ?? 0;
    if (app && redeliverMs > 0) {
      const keyPrefix = `${deps.prefix}:watcher`;
      const redeliver = () =>
        redeliverFailedDeliveries({
          app,
          redis: deps.redis,
          keyPrefix,
          redelivered: metrics.githubRedelivered,
          // a delivery still failing (receiver down again) is asked for again two passes later
          retryGapMs: 2 * redeliverMs,
        })
          .then((n) => n > 0 && log.info({ redelivered: n }, "asked GitHub to redeliver failed webhooks"))
          .catch((err: unknown) => log.warn({ err }, "GitHub redelivery pass failed"));
      void redeliver();
      redeliverTimer = setInterval(redeliver, redeliverMs);
      redeliverTimer.unref();
    }
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
        clearInterval(redeliverTimer);
        await unsubscribe?.();
        await githubSync?.stop();
        await kube?.stop();
        await local?.stop();
        await finalEffects.stop();
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
    finalEffects,
    metrics,
  };
}
