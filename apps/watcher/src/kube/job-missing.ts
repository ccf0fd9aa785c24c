import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { RunPhase, RunRecord } from "@orchestrator/contracts";
import { runObjectNames, runSelector } from "@orchestrator/kube";
import type { RunPatch } from "@orchestrator/run-store";
import { customResourceGone } from "./kube-api-helpers.js";
import type { KubeRunReconcilerDeps } from "./kube-run-reconciler.js";
import { jobOutcome } from "./observe-job.js";
import {
  OUTCOME_UNKNOWN,
  outcomeFromCustomResource,
  outcomeFromPods,
  podStillWorking,
} from "./recover-outcome.js";

/**
 * A run that should have a Job but has none (confirmed with a fresh GET). A cancel or a deleted CR
 * makes it Cancelled. Otherwise its outcome is recovered if anything still knows it: the Job's last
 * state seen before it was deleted, a pod that outlived it, the CR status. A Job deleted while the
 * agent worked fails the run; a Job that vanished unseen (its TTL passed while the watcher was down)
 * fails it as `OutcomeUnknown`, which is never retried automatically: the agent may well have succeeded.
 */
export async function jobMissing(
  deps: KubeRunReconcilerDeps,
  run: RunRecord,
  followJob: (deps: KubeRunReconcilerDeps, run: RunRecord, job: V1Job) => Promise<RunRecord | undefined>,
): Promise<RunRecord | undefined> {
  const expectsJob =
    run.phase === "Pending" || run.phase === "Running" || (run.phase === "Dispatched" && run.links.job);
  if (!expectsJob || !deps.cache.jobs.hasSynced) return undefined;
  const namespace = run.links.namespace ?? deps.cache.namespace;
  const name = run.links.job ?? runObjectNames(run).job;
  if (await deps.reader.jobExists(namespace, name)) return undefined; // the cache has not seen it yet
  if (run.cancelRequestedAt)
    return deps.runStore.tryTransition(
      run.id,
      "Cancelled",
      run.cancelReason ?? "cancelled: its Job was deleted",
    );
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
    await deps.writer.deletePod(namespace, stuck.metadata?.name ?? "").catch(() => undefined);
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
export async function cancelIfCustomResourceDeleted(
  deps: KubeRunReconcilerDeps,
  run: RunRecord,
  namespace: string,
): Promise<RunRecord | undefined> {
  const name = run.links.customResource ?? runObjectNames(run).customResource;
  if (!(await customResourceGone(deps.reader, namespace, run.kind, name))) return undefined;
  const at = deps.now().toISOString();
  await deps.runStore.update(run.id, (r) => (r.cancelRequestedAt ? r : { ...r, cancelRequestedAt: at }));
  const kind = run.kind === "code" ? "CodeRun" : "DocsRun";
  return deps.runStore.tryTransition(
    run.id,
    "Cancelled",
    `cancelled: ${kind} ${namespace}/${name} was deleted`,
  );
}

export async function freshPods(
  deps: KubeRunReconcilerDeps,
  namespace: string,
  runId: string,
): Promise<V1Pod[]> {
  try {
    return (await deps.reader.listPods(namespace, runSelector(runId))).items;
  } catch (err) {
    deps.log.debug({ err, runId }, "could not list the run's pods; using the cache");
    return deps.cache.podsOf(runId);
  }
}
