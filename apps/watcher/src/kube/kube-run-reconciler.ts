import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { canTransition, isTerminalPhase, type RunPhase, type RunRecord } from "@orchestrator/contracts";
import { type KubeClients, runObjectNames, runSelector } from "@orchestrator/kube";
import type { RunPatch, RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import type { CrStatusWriter } from "./cr-status-writer.js";
import {
  customResourceGone,
  deleteJob,
  failedCreateMessage,
  jobActive,
  jobExists,
  readLogTail,
} from "./kube-api-helpers.js";
import { type KubeCache, runIdOf } from "./kube-cache.js";
import { toMillis } from "./object-time.js";
import { jobOutcome, lastLines, observeJob } from "./observe-job.js";

export interface KubeRunReconcilerDeps {
  runStore: RunStore;
  cache: KubeCache;
  clients: KubeClients;
  statusWriter: CrStatusWriter;
  pendingTimeoutMs: number;
  log: Logger;
  now: () => Date;
  /** a pod of the run deleted while its agent worked, by run id (filled from pod delete events) */
  deletedPods: Map<string, string>;
  /** look at the run again after `delayMs` (pending deadline) */
  recheck: (runId: string, delayMs: number) => void;
}

/**
 * Brings one run in line with its Kubernetes objects: phase, message, links and result from its Job
 * and pods; a pending timeout or a vanished Job fails it; a finished run's still-active Job is
 * stopped; and its DocsRun/CodeRun status mirrors the run. Safe to call at any time and any number of
 * times: it compares and only writes differences. Returns the run's phase (undefined: no such run here).
 */
export async function reconcileKubeRun(
  deps: KubeRunReconcilerDeps,
  runId: string,
): Promise<RunPhase | undefined> {
  const run = await deps.runStore.get(runId);
  if (!run || run.runtime === "local") return undefined;
  const job = newest(deps.cache.jobsOf(runId));
  let current = run;
  if (!isTerminalPhase(run.phase)) {
    current = (await (job ? followJob(deps, run, job) : jobMissing(deps, run))) ?? run;
  }
  if (isTerminalPhase(current.phase)) {
    deps.deletedPods.delete(runId);
    if (job && jobActive(job) && job.metadata?.name && job.metadata.namespace) {
      // cancelled, or failed by a pending timeout: the Job must not start or keep running
      if (await deleteJob(deps.clients, job.metadata.namespace, job.metadata.name)) {
        deps.log.info(
          { runId, job: job.metadata.name, phase: current.phase },
          "deleted the Job of a finished run",
        );
      }
    }
  }
  await syncCustomResource(deps, current);
  return current.phase;
}

async function followJob(
  deps: KubeRunReconcilerDeps,
  run: RunRecord,
  job: V1Job,
): Promise<RunRecord | undefined> {
  // until the dispatcher has recorded Dispatched, the run is its: moving it on here would make the
  // dispatcher's own transition fail and look like a cancel (it then deletes the Job)
  if (run.phase === "Queued" || run.phase === "Rendering") return undefined;
  const now = deps.now().getTime();
  const namespace = job.metadata?.namespace ?? deps.cache.namespace;
  // the Job's final condition can arrive before the pod update that carries the agent's result:
  // read the pods fresh so the termination message is never missed
  const pods = jobOutcome(job) ? await freshPods(deps, namespace, run.id) : deps.cache.podsOf(run.id);
  const jobAge = now - (toMillis(job.metadata?.creationTimestamp) ?? now);
  const jobEventMessage =
    pods.length === 0 && jobAge > 10_000 ? await failedCreateMessage(deps.clients, job) : undefined;
  const observation = observeJob({
    job,
    pods,
    now,
    pendingTimeoutMs: deps.pendingTimeoutMs,
    cancelRequested: Boolean(run.cancelRequestedAt),
    deletedPod: deps.deletedPods.get(run.id),
    jobEventMessage,
  });
  let message = observation.message;
  if (observation.wantsLogTail && observation.podName) {
    const tail = lastLines(await readLogTail(deps.clients, namespace, observation.podName), 5);
    if (tail) message = `${message}: ${tail}`;
  }
  const names = runObjectNames(run);
  const links = {
    namespace,
    job: job.metadata?.name ?? names.job,
    configMap: run.links.configMap ?? names.configMap,
    customResource: run.links.customResource ?? names.customResource,
    ...(observation.podName ? { pod: observation.podName } : {}),
  };
  const patch: RunPatch = { message, links, ...(observation.result ? { result: observation.result } : {}) };
  if (observation.pendingDeadline !== undefined)
    deps.recheck(run.id, Math.max(0, observation.pendingDeadline - now) + 50);
  if (observation.phase === run.phase) {
    const linksChanged = Object.entries(links).some(([k, v]) => run.links[k as keyof typeof links] !== v);
    if (!linksChanged && run.message === message) return run;
    return deps.runStore.tryTransition(run.id, run.phase, message, patch);
  }
  if (!canTransition(run.phase, observation.phase)) return run;
  if (observation.phase === "Failed" && !observation.pendingTimedOut) {
    const cancelled = await cancelIfCustomResourceDeleted(deps, run, namespace);
    if (cancelled) return cancelled;
  }
  const next = await deps.runStore.tryTransition(run.id, observation.phase, message, patch);
  if (next)
    deps.log.info({ runId: run.id, from: run.phase, to: next.phase, reason: observation.reason }, message);
  return next;
}

/** A run that should have a Job but has none: confirmed with a fresh GET, it failed (or was cancelled). */
async function jobMissing(deps: KubeRunReconcilerDeps, run: RunRecord): Promise<RunRecord | undefined> {
  const expectsJob =
    run.phase === "Pending" || run.phase === "Running" || (run.phase === "Dispatched" && run.links.job);
  if (!expectsJob || !deps.cache.jobs.hasSynced) return undefined;
  const namespace = run.links.namespace ?? deps.cache.namespace;
  const name = run.links.job ?? runObjectNames(run).job;
  if (await jobExists(deps.clients, namespace, name)) return undefined; // the cache has not seen it yet
  if (run.cancelRequestedAt)
    return deps.runStore.tryTransition(run.id, "Cancelled", "cancelled: its Job was deleted");
  const cancelled = await cancelIfCustomResourceDeleted(deps, run, namespace);
  if (cancelled) return cancelled;
  const podName = deps.deletedPods.get(run.id);
  const reason = podName
    ? `pod ${podName} was deleted before the agent finished`
    : `Job ${name} was deleted before the run finished`;
  deps.log.warn({ runId: run.id, job: name }, reason);
  return deps.runStore.tryTransition(run.id, "Failed", reason);
}

/** A run whose CR was deleted (which takes the Job and pod along) is cancelled, not failed. */
async function cancelIfCustomResourceDeleted(
  deps: KubeRunReconcilerDeps,
  run: RunRecord,
  namespace: string,
): Promise<RunRecord | undefined> {
  const name = run.links.customResource ?? runObjectNames(run).customResource;
  if (!(await customResourceGone(deps.clients, namespace, run.kind, name))) return undefined;
  const at = deps.now().toISOString();
  await deps.runStore.update(run.id, (r) => (r.cancelRequestedAt ? r : { ...r, cancelRequestedAt: at }));
  const kind = run.kind === "code" ? "CodeRun" : "DocsRun";
  return deps.runStore.tryTransition(
    run.id,
    "Cancelled",
    `cancelled: ${kind} ${namespace}/${name} was deleted`,
  );
}

async function syncCustomResource(deps: KubeRunReconcilerDeps, run: RunRecord): Promise<void> {
  const name = run.links.customResource ?? runObjectNames(run).customResource;
  const resource = deps.cache.customResource(run.kind, name);
  if (!resource) return;
  const source = run.request.source;
  const ours =
    runIdOf(resource) === run.id ||
    resource.status?.runId === run.id ||
    (source.type === "kubernetes" && source.uid === resource.metadata.uid);
  if (!ours) return;
  await deps.statusWriter.sync(run, resource);
}

async function freshPods(deps: KubeRunReconcilerDeps, namespace: string, runId: string): Promise<V1Pod[]> {
  try {
    return (await deps.clients.core.listNamespacedPod({ namespace, labelSelector: runSelector(runId) }))
      .items;
  } catch (err) {
    deps.log.debug({ err, runId }, "could not list the run's pods; using the cache");
    return deps.cache.podsOf(runId);
  }
}

function newest(jobs: V1Job[]): V1Job | undefined {
  return jobs.sort(
    (a, b) => (toMillis(b.metadata?.creationTimestamp) ?? 0) - (toMillis(a.metadata?.creationTimestamp) ?? 0),
  )[0];
}
