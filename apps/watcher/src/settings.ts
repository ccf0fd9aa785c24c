import type { WatcherConfig } from "./config.js";
import type { WatcherSettings } from "./watcher-deps.js";

/** The watcher's tunables from its parsed environment. */
export function watcherSettingsFromConfig(config: WatcherConfig): WatcherSettings {
  return {
    namespace: config.KUBERNETES_NAMESPACE,
    pendingTimeoutMs: config.PENDING_TIMEOUT,
    resyncIntervalMs: config.RESYNC_INTERVAL,
    localPollIntervalMs: config.LOCAL_POLL_INTERVAL,
    gcIntervalMs: config.GC_INTERVAL,
    orphanGraceMs: config.ORPHAN_GRACE,
    retentionMs: config.RUN_RETENTION,
    watchRestartDelayMs: 1000,
    watch: {
      watchTimeoutSeconds: Math.max(1, Math.round(config.WATCH_TIMEOUT / 1000)),
      idleTimeoutMs: config.WATCH_IDLE_TIMEOUT,
      relistIntervalMs: config.RELIST_INTERVAL,
    },
    callbacks: {
      secret: config.CALLBACK_SECRET,
      attempts: config.CALLBACK_ATTEMPTS,
      backoffMs: 2000,
      allowedHosts: config.CALLBACK_ALLOWED_HOSTS,
    },
    github: {
      publicUrl: config.PUBLIC_URL,
      debounceMs: config.GITHUB_DEBOUNCE,
      pollMs: 500,
      redeliverIntervalMs: config.GITHUB_REDELIVER_INTERVAL,
    },
    defaults: { codeModel: config.DEFAULT_CODE_MODEL, docsModel: config.DEFAULT_DOCS_MODEL },
  };
}
