import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { canTransition, isTerminalPhase, type RunPhase, type RunRecord } from "@orchestrator/contracts";
import { type KubeClients, runObjectNames, runSelector } from "@orchestrator/kube";
import type { RunPatch, RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { logTailOf } from "../logs/log-tail.js";
import { handOverCustomResource } from "./cr-handover.js";
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
import { jobOutcome, observeJob } from "./observe-job.js";
import { recordDispatched } from "./record-dispatched.js";
import {
  OUTCOME_UNKNOWN,
  outcomeFromCustomResource,
  outcomeFromPods,
  podStillWorking,
} from "./recover-outcome.js";

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
  /** the last state of a run's Job seen before it was deleted, by run id (from Job delete events) */
  deletedJobs: Map<string, V1Job>;
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
  if (!run || run.runtime === "local") {
    deps.deletedPods.delete(runId);
    deps.deletedJobs.delete(runId);
    return undefined;
  }
  const job = newest(deps.cache.jobsOf(runId));
  let current = run;
  if (!isTerminalPhase(run.phase)) {
    current = (await (job ? followJob(deps, run, job) : jobMissing(deps, run))) ?? run;
  }
  if (isTerminalPhase(current.phase)) {
    deps.deletedPods.delete(runId);
    deps.deletedJobs.delete(runId);
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
  dispatchedRun: RunRecord,
  job: V1Job,
): Promise<RunRecord | undefined> {
  let run = dispatchedRun;
  // the Job exists, so the run is dispatched whether or not the dispatcher lived to record it (it
  // treats a run already Dispatched/Pending/Running as dispatched by another delivery)
  if (run.phase === "Queued" || run.phase === "Rendering") {
    const recorded = await recordDispatched(deps, run, job, job.metadata?.namespace ?? deps.cache.namespace);
    if (!recorded) return undefined;
    run = recorded;
  }
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
  const message = observation.message;
  // the agent's output stays on the run record (redacted), never in the message posted publicly
  let logTail = observation.logTail;
  if (!logTail && observation.wantsLogTail && observation.podName)
    logTail = logTailOf(await readLogTail(deps.clients, namespace, observation.podName));
  const names = runObjectNames(run);
  const links = {
    namespace,
    job: job.metadata?.name ?? names.job,
    configMap: run.links.configMap ?? names.configMap,
    customResource: run.links.customResource ?? names.customResource,
    ...(observation.podName ? { pod: observation.podName } : {}),
  };
  const patch: RunPatch = {
    message,
    links,
    ...(observation.result ? { result: observation.result } : {}),
    ...(observation.phase === "Failed" ? { failureReason: observation.reason } : {}),
    ...(logTail ? { logTail } : {}),
    ...(observation.agentStarted ? { agentStarted: true } : {}),
  };
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

/**
 * A run that should have a Job but has none (confirmed with a fresh GET). A cancel or a deleted CR
 * makes it Cancelled. Otherwise its outcome is recovered if anything still knows it: the Job's last
 * state seen before it was deleted, a pod that outlived it, the CR status. A Job deleted while the
 * agent worked fails the run; a Job that vanished unseen (its TTL passed while the watcher was down)
 * fails it as `OutcomeUnknown`, which is never retried automatically: the agent may well have succeeded.
 */
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

  const lastSeen = deps.deletedJobs.get(run.id);
  // seen finished before it went (TTL right after the end): its last state and the pods tell the outcome
  if (lastSeen && jobOutcome(lastSeen)) return followJob(deps, run, lastSeen);
  const pods = await freshPods(deps, namespace, run.id);
  const deletedPod = deps.deletedPods.get(run.id);
  const fromPods = outcomeFromPods(pods, deps.now().getTime(), deletedPod);
  if (fromPods) {
    const patch: RunPatch = {
      message: fromPods.message,
      links: { namespace, job: name, ...(fromPods.podName ? { pod: fromPods.podName } : {}) },
      ...(fromPods.result ? { result: fromPods.result } : {}),
      ...(fromPods.phase === "Failed" ? { failureReason: fromPods.reason } : {}),
      ...(fromPods.logTail ? { logTail: fromPods.logTail } : {}),
      ...(fromPods.agentStarted ? { agentStarted: true } : {}),
    };
    return transitionLogged(deps, run, fromPods.phase, fromPods.message, patch, "recovered from its pod");
  }
  if (podStillWorking(pods)) {
    // Job deleted with orphan propagation: the pod still works — unless it never started, in which case
    // the pending timeout counts from the pod's creation (there is no Job left to count from)
    const now = deps.now().getTime();
    const stuck = pods.find(
      (pod) =>
        pod.status?.phase === "Pending" &&
        !pod.metadata?.deletionTimestamp &&
        now - new Date(pod.metadata?.creationTimestamp ?? now).getTime() > deps.pendingTimeoutMs,
    );
    if (!stuck) {
      const pending = pods.find((pod) => pod.status?.phase === "Pending");
      if (pending) deps.recheck(run.id, deps.pendingTimeoutMs);
      return undefined;
    }
    const reason = `pod ${stuck.metadata?.name ?? ""} did not start within ${Math.round(deps.pendingTimeoutMs / 1000)}s and its Job is gone`;
    await deps.clients.core
      .deleteNamespacedPod({ name: stuck.metadata?.name ?? "", namespace })
      .catch(() => undefined);
    return transitionLogged(
      deps,
      run,
      "Failed",
      reason,
      { message: reason, failureReason: "PendingTimeout" },
      "pending timeout",
    );
  }
  const customResource = deps.cache.customResource(
    run.kind,
    run.links.customResource ?? runObjectNames(run).customResource,
  );
  const recorded = outcomeFromCustomResource(customResource?.status, run.id);
  if (recorded) {
    const patch: RunPatch = {
      message: recorded.message,
      ...(recorded.result ? { result: recorded.result } : {}),
    };
    return transitionLogged(
      deps,
      run,
      recorded.phase,
      recorded.message,
      patch,
      "recovered from its CR status",
    );
  }
  if (deletedPod) {
    const reason = `pod ${deletedPod} was deleted before the agent finished`;
    return transitionLogged(deps, run, "Failed", reason, { failureReason: "PodDeleted" }, "pod deleted");
  }
  if (lastSeen) {
    const reason = `Job ${name} was deleted before the run finished`;
    return transitionLogged(deps, run, "Failed", reason, { failureReason: "JobDeleted" }, "Job deleted");
  }
  const reason = OUTCOME_UNKNOWN.message(name);
  return transitionLogged(
    deps,
    run,
    "Failed",
    reason,
    { failureReason: OUTCOME_UNKNOWN.reason },
    "the Job vanished unseen",
  );
}

async function transitionLogged(
  deps: KubeRunReconcilerDeps,
  run: RunRecord,
  phase: RunPhase,
  message: string,
  patch: RunPatch,
  how: string,
): Promise<RunRecord | undefined> {
  const next = await deps.runStore.tryTransition(run.id, phase, message, patch);
  if (next) {
    const level = phase === "Succeeded" ? "info" : "warn";
    deps.log[level]({ runId: run.id, from: run.phase, to: phase, how }, message);
  }
  return next;
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
  // a retried attempt has handed its CR over to the next one: writing its status would fight the retry's
  if (run.retriedBy) return;
  const name = run.links.customResource ?? runObjectNames(run).customResource;
  let resource = deps.cache.customResource(run.kind, name);
  if (!resource) return;
  const source = run.request.source;
  if (source.type === "kubernetes" && source.uid === resource.metadata.uid) {
    // a kubectl-applied CR is reused by retries: it belongs to the newest attempt
    resource = await handOverCustomResource(deps, run, resource);
    if (!resource) return;
  } else if (runIdOf(resource) !== run.id && resource.status?.runId !== run.id) {
    return;
  }
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
