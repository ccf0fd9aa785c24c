import type { QUEUES } from "@orchestrator/contracts";
import type { KubeClients } from "@orchestrator/kube";
import type { RunPolicy } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { GithubClient } from "./github/github-client.js";
import type { CrRequestDefaults } from "./kube/cr-request.js";
import type { WatchTiming } from "./kube/resource-informer.js";

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
  /** WATCH_TIMEOUT, WATCH_IDLE_TIMEOUT, RELIST_INTERVAL */
  watch: WatchTiming;
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
    /** how often failed webhook deliveries are redelivered (App mode), ms; 0 = never. @defaultValue 0 */
    redeliverIntervalMs?: number;
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
