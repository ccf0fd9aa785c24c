import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { isTerminalPhase, type QUEUES, type RunRecord } from "@orchestrator/contracts";
import type { KubeClients, RunResource } from "@orchestrator/kube";
import type { RunPolicy } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { KeyedScheduler, type SchedulerLane } from "../keyed-scheduler.js";
import type { WatcherMetrics } from "../metrics.js";
import { CrAdopter } from "./cr-adopter.js";
import { handOverCustomResource, readCustomResource } from "./cr-handover.js";
import type { CrRequestDefaults } from "./cr-request.js";
import { CrStatusWriter } from "./cr-status-writer.js";
import { type CacheEvent, KubeCache, runIdOf } from "./kube-cache.js";
import { KubeReader } from "./kube-reader.js";
import { type KubeRunReconcilerDeps, reconcileKubeRun } from "./kube-run-reconciler.js";
import { KubeWriter } from "./kube-writer.js";
import { agentContainerStatus } from "./pod-diagnosis.js";
import type { WatchTiming } from "./resource-informer.js";

export interface KubeFollowerDeps {
  clients: KubeClients;
  namespace: string;
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  controlQueue: TypedQueue<typeof QUEUES.control>;
  metrics: WatcherMetrics;
  log: Logger;
  now: () => Date;
  pendingTimeoutMs: number;
  /** how often every active run is looked at again, ms */
  resyncIntervalMs: number;
  /** wait before restarting a failed watch, ms */
  watchRestartDelayMs: number;
  /** watch `timeoutSeconds`, idle detection and the periodic re-list */
  timing: WatchTiming;
  defaults: CrRequestDefaults;
  policy: RunPolicy;
  /** a run it followed reached a final phase: its side effects become a durable work item */
  onFinal: (runId: string) => Promise<void>;
}

export interface KubeFollower {
  readonly cache: KubeCache;
  readonly reader: KubeReader;
  readonly writer: KubeWriter;
  /** resolves once every informer has listed and the first full reconcile was scheduled */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** look at a run now (a run event from another service) */
  schedule(runId: string): void;
  /** every run, active or recently finished, looked at again */
  resync(options?: { full?: boolean }): Promise<void>;
  /**
   * A retry of a run from a kubectl-applied CR was started: the CR's run id (label, annotation,
   * `status.runId`) moves to it. Reconciling the retry does the same; this just does it at once.
   */
  handOver(retry: RunRecord): Promise<void>;
  /** resolves when no reconcile is running or waiting (tests) */
  idle(): Promise<void>;
  readonly synced: boolean;
}

/**
 * Follows runs on Kubernetes: informers feed a per-run scheduler, which reconciles each run from the
 * cache (see {@link reconcileKubeRun}); every (re)list and a periodic resync look at every run again,
 * so a dropped watch or a restart misses no transition. CRs applied with kubectl are adopted; a
 * deleted CR cancels its run.
 */
export function createKubeFollower(deps: KubeFollowerDeps): KubeFollower {
  const log = deps.log.child({ component: "kube-follower" });
  const deletedPods = new Map<string, string>();
  const deletedJobs = new Map<string, V1Job>();
  const pendingAdoptions = new Map<string, RunResource>();
  const pendingDeletions = new Map<string, RunResource>();
  /** runs last seen active: looked at on every periodic resync */
  const active = new Set<string>();
  // the one seam per direction: every read and every write of the Kubernetes API goes through these
  const reader = new KubeReader(deps.clients);
  const writer = new KubeWriter(deps.clients);
  const statusWriter = new CrStatusWriter({
    writer,
    log,
    statusPatches: deps.metrics.statusPatches,
    now: deps.now,
  });
  const adopter = new CrAdopter({
    runStore: deps.runStore,
    renderQueue: deps.renderQueue,
    controlQueue: deps.controlQueue,
    writer,
    statusWriter,
    defaults: deps.defaults,
    policy: deps.policy,
    log,
    now: deps.now,
  });
  let resyncTimer: NodeJS.Timeout | undefined;
  let startedResync = false;

  const scheduler = new KeyedScheduler({
    work: async (key) => {
      if (key.startsWith("adopt:")) {
        const resource = pendingAdoptions.get(key);
        pendingAdoptions.delete(key);
        if (resource) await adopter.adopt(resource);
        return;
      }
      if (key.startsWith("deleted:")) {
        const resource = pendingDeletions.get(key);
        pendingDeletions.delete(key);
        if (resource) await adopter.deleted(resource);
        return;
      }
      const phase = await reconcileKubeRun(reconcilerDeps, key);
      if (phase && !isTerminalPhase(phase)) active.add(key);
      else {
        // whoever finished it, a lost run event (Redis restarted) must not lose its effects
        if (phase && active.has(key)) await deps.onFinal(key);
        active.delete(key);
      }
    },
    onError: (key, err, failures) => log.warn({ err, key, failures }, "reconcile failed; will retry"),
  });

  const cache: KubeCache = new KubeCache({
    reader,
    namespace: deps.namespace,
    timing: deps.timing,
    log,
    restarts: deps.metrics.watchRestarts,
    restartDelayMs: deps.watchRestartDelayMs,
    onEvent,
    onSynced: (resource) => {
      log.debug({ resource }, "informer listed");
      if (cache.synced) void resyncSafely(!startedResync);
    },
  });

  const reconcilerDeps: KubeRunReconcilerDeps = {
    runStore: deps.runStore,
    cache,
    reader,
    writer,
    statusWriter,
    pendingTimeoutMs: deps.pendingTimeoutMs,
    log,
    now: deps.now,
    deletedPods,
    deletedJobs,
    recheck: (runId, delayMs) => scheduler.schedule(runId, delayMs),
  };

  function onEvent(event: CacheEvent): void {
    if (event.resource === "customResource") {
      onCustomResource(event.type, event.object);
      return;
    }
    const runId = runIdOf(event.object);
    if (!runId) return;
    if (event.resource === "pod") {
      const pod = event.object;
      // deleted (or being deleted) before its agent finished: remembered as the likely cause of failure
      const deleting = event.type === "delete" || Boolean(pod.metadata?.deletionTimestamp);
      if (deleting && !podFinished(pod)) deletedPods.set(runId, pod.metadata?.name ?? "pod");
    }
    // the Job's last state: if it goes before its outcome was read (TTL), that state still tells it
    if (event.resource === "job" && event.type === "delete") deletedJobs.set(runId, event.object);
    scheduler.schedule(runId);
  }

  function onCustomResource(type: string, resource: RunResource, lane: SchedulerLane = "event"): void {
    const uid = resource.metadata.uid ?? `${resource.kind}/${resource.metadata.name}`;
    if (type === "delete") {
      statusWriter.forget(resource);
      pendingDeletions.set(`deleted:${uid}`, resource);
      scheduler.schedule(`deleted:${uid}`);
      return;
    }
    const runId = runIdOf(resource) ?? resource.status?.runId;
    if (runId) {
      scheduler.schedule(runId, 0, lane);
    } else if (CrAdopter.needsAdoption(resource)) {
      pendingAdoptions.set(`adopt:${uid}`, resource);
      scheduler.schedule(`adopt:${uid}`, 0, lane);
    }
  }

  /**
   * Schedules every run that may need attention: those with a Job or CR in the cache and those known to
   * be active. A full resync (start-up) reads the run store instead of the known set, recently finished
   * runs included, so a CR status or Job cleanup missed while the watcher was down is caught up.
   */
  async function resync(options: { full?: boolean } = {}): Promise<void> {
    for (const job of cache.jobs.list()) {
      const runId = runIdOf(job);
      if (runId) scheduler.schedule(runId, 0, "background");
    }
    for (const resource of cache.customResources()) onCustomResource("update", resource, "background");
    if (!options.full) {
      for (const runId of active) scheduler.schedule(runId, 0, "background");
      return;
    }
    const recent = deps.now().getTime() - 24 * 3600_000;
    let cursor: string | undefined;
    do {
      const page = await deps.runStore.list({ limit: 500, cursor });
      for (const run of page.runs) {
        if (run.runtime === "local") continue;
        const finished = isTerminalPhase(run.phase);
        if (!finished) active.add(run.id);
        if (!finished || Date.parse(run.updatedAt) >= recent) scheduler.schedule(run.id, 0, "background");
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  async function resyncSafely(full: boolean): Promise<void> {
    startedResync = true;
    try {
      await resync({ full });
      deps.metrics.lastResync.setToCurrentTime();
    } catch (err) {
      log.warn({ err }, "resync failed");
    }
  }

  return {
    cache,
    reader,
    writer,
    get synced() {
      return cache.synced;
    },
    async start() {
      await cache.start();
      if (!startedResync) await resyncSafely(true);
      if (!resyncTimer) {
        resyncTimer = setInterval(() => void resyncSafely(false), deps.resyncIntervalMs);
        resyncTimer.unref();
      }
    },
    async stop() {
      clearInterval(resyncTimer);
      resyncTimer = undefined;
      await cache.stop();
      await scheduler.stop();
    },
    schedule: (runId) => scheduler.schedule(runId),
    async handOver(retry) {
      if (retry.request.source.type !== "kubernetes") return;
      const resource = await readCustomResource(reader, retry);
      if (!resource) return;
      const moved = await handOverCustomResource(reconcilerDeps, retry, resource);
      if (moved) await statusWriter.sync(retry, moved);
    },
    resync,
    idle: () => scheduler.idle(),
  };
}

/** A pod whose agent already ended: its deletion (TTL, GC) is not a failure. */
function podFinished(pod: V1Pod): boolean {
  return (
    pod.status?.phase === "Succeeded" ||
    pod.status?.phase === "Failed" ||
    Boolean(agentContainerStatus(pod)?.state?.terminated)
  );
}
