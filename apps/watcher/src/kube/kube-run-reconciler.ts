import type { V1Job } from "@kubernetes/client-node";
import { canTransition, isTerminalPhase, type RunPhase, type RunRecord } from "@orchestrator/contracts";
import { runObjectNames } from "@orchestrator/kube";
import type { RunPatch, RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { logTailOf } from "../logs/log-tail.js";
import { handOverCustomResource } from "./cr-handover.js";
import type { CrStatusWriter } from "./cr-status-writer.js";
import { cancelIfCustomResourceDeleted, freshPods, jobMissing } from "./job-missing.js";
import { jobActive } from "./kube-api-helpers.js";
import { type KubeCache, runIdOf } from "./kube-cache.js";
import type { KubeReader } from "./kube-reader.js";
import type { KubeWriter } from "./kube-writer.js";
import { toMillis } from "./object-time.js";
import { jobOutcome, observeJob } from "./observe-job.js";
import { recordDispatched } from "./record-dispatched.js";

export interface KubeRunReconcilerDeps {
  runStore: RunStore;
  cache: KubeCache;
  reader: KubeReader;
  writer: KubeWriter;
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
    current = (await (job ? followJob(deps, run, job) : jobMissing(deps, run, followJob))) ?? run;
  }
  if (isTerminalPhase(current.phase)) {
    deps.deletedPods.delete(runId);
    deps.deletedJobs.delete(runId);
    if (job && jobActive(job) && job.metadata?.name && job.metadata.namespace) {
      // cancelled, or failed by a pending timeout: the Job must not start or keep running
      if (await deps.writer.deleteJob(job.metadata.namespace, job.metadata.name)) {
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

export async function followJob(
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
    pods.length === 0 && jobAge > 10_000 ? await deps.reader.failedCreateMessage(job) : undefined;
  const observation = observeJob({
    job,
    pods,
    now,
    pendingTimeoutMs: deps.pendingTimeoutMs,
    cancelRequested: Boolean(run.cancelRequestedAt),
    deletedPod: deps.deletedPods.get(run.id),
    jobEventMessage,
  });
  // a cancel shows who asked for it, whichever service saw the run end first
  const message =
    observation.phase === "Cancelled" && run.cancelReason ? run.cancelReason : observation.message;
  // the agent's output stays on the run record (redacted), never in the message posted publicly
  let logTail = observation.logTail;
  if (!logTail && observation.wantsLogTail && observation.podName)
    logTail = logTailOf(await deps.reader.logTail(namespace, observation.podName));
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

function newest(jobs: V1Job[]): V1Job | undefined {
  return jobs.sort(
    (a, b) => (toMillis(b.metadata?.creationTimestamp) ?? 0) - (toMillis(a.metadata?.creationTimestamp) ?? 0),
  )[0];
}
