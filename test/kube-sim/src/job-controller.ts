import { ApiError } from "./api-error.js";
import { createObject } from "./create-object.js";
import { deleteObject } from "./delete-object.js";
import type { EventRecorder } from "./event-recorder.js";
import {
  type ConditionReason,
  findCondition,
  finishedCondition,
  hasTrueCondition,
  JobCondition,
  JobReason,
  setJobCondition,
} from "./job-conditions.js";
import { JOBS_KEY, JobIndex, PODS_KEY } from "./job-index.js";
import {
  isFailed,
  isSucceeded,
  isTerminal,
  JOB_TRACKING_FINALIZER,
  num,
  podFromTemplate,
  writeCounts,
} from "./job-pods.js";
import { jobsType } from "./job-resource.js";
import { backoffSeconds, nextWake } from "./job-timing.js";
import { clone, deepEqual, getPath, isObject, k8sTime } from "./json-utils.js";
import { podsType } from "./pod-resources.js";
import type { SimContext } from "./sim-context.js";
import { expireFinishedJob, type JobMemory } from "./ttl-after-finished.js";
import type { JsonObject, KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";

/**
 * The Job controller for NonIndexed jobs: creates pods from the template (with the job-tracking
 * finalizer), counts terminal pods, applies backoffLimit (with exponential backoff between retries),
 * activeDeadlineSeconds and suspend, sets FailureTarget/SuccessCriteriaMet then Failed/Complete, and runs
 * the TTL-after-finished cleanup (foreground deletion, as the real ttl-after-finished controller does).
 */
export class JobController {
  private readonly memory = new Map<string, JobMemory>();
  private readonly index: JobIndex;

  constructor(
    private readonly ctx: SimContext,
    private readonly events: EventRecorder,
  ) {
    this.index = new JobIndex(ctx.store);
  }

  step(now: number): void {
    const store = this.ctx.store;
    for (const uid of this.index.takeDeleted()) this.memory.delete(uid);
    let failure: unknown;
    for (const id of this.index.jobs.take(now)) {
      const stored = store.peek(JOBS_KEY, id);
      if (!stored) continue;
      const job = clone(stored);
      const owned = this.index.podIdsOf(job.metadata.uid ?? "").flatMap((pod) => {
        const p = store.peek(PODS_KEY, pod);
        return p ? [clone(p)] : [];
      });
      try {
        const wake = this.sync(job, owned, now);
        if (wake !== undefined) this.index.jobs.wakeAt(id, wake);
      } catch (err) {
        // Retried on the next pass, as a re-listing controller would.
        this.index.jobs.add(id);
        if (!(err instanceof ApiError)) failure ??= err;
      }
    }
    // Pods whose Job is gone (or that were orphaned) must not keep the tracking finalizer forever.
    for (const id of this.index.takeOrphanCandidates()) {
      const pod = store.peek(PODS_KEY, id);
      if (!pod?.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
      const controller = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Job");
      if (!controller || !this.index.isLiveJob(controller.uid)) this.untrack(pod);
    }
    if (failure !== undefined) throw failure;
  }

  private untrack(pod: Readonly<KubeObject>): void {
    try {
      this.removeTrackingFinalizer(pod);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.index.retryPod(pod); // a re-listing controller would try again on its next pass
    }
  }

  private mem(job: KubeObject): JobMemory {
    const uid = job.metadata.uid ?? "";
    let m = this.memory.get(uid);
    if (!m) {
      m = {};
      this.memory.set(uid, m);
    }
    return m;
  }

  /** Brings one Job forward; returns when it must be looked at again without any change (a deadline). */
  private sync(job: KubeObject, pods: KubeObject[], now: number): number | undefined {
    if (job.metadata.deletionTimestamp) {
      // A Job being deleted creates nothing and releases its pods so the GC can remove them.
      for (const pod of pods)
        if (pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) this.untrack(pod);
      return undefined;
    }
    const spec = (job["spec"] ?? {}) as JsonObject;
    const status: JsonObject = isObject(job["status"]) ? clone(job["status"]) : {};
    const mem = this.mem(job);
    let succeeded = num(status["succeeded"], 0);
    let failed = num(status["failed"], 0);
    const untrack: KubeObject[] = [];
    for (const pod of pods) {
      if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
      if (isSucceeded(pod)) {
        succeeded++;
        untrack.push(pod);
      } else if (isFailed(pod)) {
        failed++;
        untrack.push(pod);
        mem.lastFailureMs = now;
      }
    }
    const active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    let terminating = pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length;

    if (!finishedCondition(status)) {
      if (spec["suspend"] === true) {
        terminating += this.deleteActive(job, active);
        if (!hasTrueCondition(status, JobCondition.Suspended)) {
          setJobCondition(status, JobCondition.Suspended, "True", JobReason.suspended);
        }
      } else {
        if (hasTrueCondition(status, JobCondition.Suspended))
          setJobCondition(status, JobCondition.Suspended, "False", JobReason.resumed);
        if (!status["startTime"]) {
          status["startTime"] = k8sTime(now);
          mem.startMs = now;
        }
        mem.startMs ??= Date.parse(String(status["startTime"]));
        const failure = this.failureReason(spec, failed, active, mem, now);
        const completions = num(spec["completions"], 1);
        if (failure && !findCondition(status, JobCondition.FailureTarget)) {
          setJobCondition(status, JobCondition.FailureTarget, "True", failure);
        }
        if (hasTrueCondition(status, JobCondition.FailureTarget)) {
          // Deleted pods are counted as failed on the next pass, when they carry a deletionTimestamp.
          terminating += this.deleteActive(job, active);
        } else if (succeeded >= completions) {
          if (!findCondition(status, JobCondition.SuccessCriteriaMet)) {
            setJobCondition(status, JobCondition.SuccessCriteriaMet, "True", JobReason.completions);
          }
          terminating += this.deleteActive(job, active);
        } else {
          this.createPods(job, spec, active, succeeded, failed, mem, now);
        }
      }
      const done = terminating === 0 && active.length === 0;
      const failureTarget = findCondition(status, JobCondition.FailureTarget);
      if (done && failureTarget) {
        const why = { reason: String(failureTarget["reason"]), message: String(failureTarget["message"]) };
        setJobCondition(status, JobCondition.Failed, "True", why);
        this.events.record(job, "Warning", why.reason, why.message, "job-controller");
        mem.finishedMs = now;
      } else if (done && hasTrueCondition(status, JobCondition.SuccessCriteriaMet)) {
        setJobCondition(status, JobCondition.Complete, "True", JobReason.completions);
        status["completionTime"] = k8sTime(now);
        this.events.record(job, "Normal", "Completed", "Job completed", "job-controller");
        mem.finishedMs = now;
      }
    }

    writeCounts(status, active.length, succeeded, failed, pods, terminating);
    if (!deepEqual(status, job["status"] ?? {})) {
      updateObject(
        this.ctx,
        jobsType,
        "v1",
        job.metadata.namespace,
        job.metadata.name ?? "",
        { ...job, status },
        {
          subresource: "status",
          internal: true,
        },
      );
    }
    for (const pod of untrack) this.removeTrackingFinalizer(pod);
    expireFinishedJob(this.ctx, job, status, spec, mem, now);
    return nextWake(spec, status, mem, failed, this.ctx.msPerSecond);
  }

  private failureReason(
    spec: JsonObject,
    failed: number,
    active: KubeObject[],
    mem: JobMemory,
    now: number,
  ): ConditionReason | undefined {
    const backoffLimit = num(spec["backoffLimit"], 6);
    if (failed > backoffLimit) return JobReason.backoff;
    if (getPath(spec, "template", "spec", "restartPolicy") === "OnFailure") {
      const restarts = active.reduce((sum, p) => {
        const statuses = getPath(p, "status", "containerStatuses");
        return (
          sum +
          (Array.isArray(statuses) ? statuses.reduce((s, c) => s + num(getPath(c, "restartCount"), 0), 0) : 0)
        );
      }, 0);
      if (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit) return JobReason.backoff;
    }
    const deadline = spec["activeDeadlineSeconds"];
    if (
      typeof deadline === "number" &&
      mem.startMs !== undefined &&
      now - mem.startMs >= deadline * this.ctx.msPerSecond
    ) {
      return JobReason.deadline;
    }
    return undefined;
  }

  private createPods(
    job: KubeObject,
    spec: JsonObject,
    active: KubeObject[],
    succeeded: number,
    failed: number,
    mem: JobMemory,
    now: number,
  ): void {
    const wanted =
      Math.min(num(spec["parallelism"], 1), num(spec["completions"], 1) - succeeded) - active.length;
    if (wanted <= 0) return;
    if (failed > 0 && mem.lastFailureMs !== undefined) {
      if (now < mem.lastFailureMs + backoffSeconds(failed) * this.ctx.msPerSecond) return;
    }
    const template = (spec["template"] ?? {}) as JsonObject;
    for (let i = 0; i < wanted; i++) {
      const body = podFromTemplate(job, template);
      const pod = createObject(this.ctx, podsType, "v1", job.metadata.namespace, body, { internal: true });
      active.push(pod);
      this.events.record(
        job,
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${pod.metadata.name}`,
        "job-controller",
      );
    }
  }

  /** Deletes the active pods (they become terminating); returns how many. */
  private deleteActive(job: KubeObject, active: KubeObject[]): number {
    let pending = 0;
    for (const pod of active.splice(0)) {
      const result = deleteObject(
        this.ctx,
        podsType,
        pod.metadata.namespace,
        pod.metadata.name ?? "",
        {},
        { internal: true },
      );
      this.events.record(
        job,
        "Normal",
        "SuccessfulDelete",
        `Deleted pod: ${pod.metadata.name}`,
        "job-controller",
      );
      if (!result.deleted) pending++;
    }
    return pending;
  }

  private removeTrackingFinalizer(pod: Readonly<KubeObject>): void {
    const fresh = this.ctx.store.get("pods", pod.metadata.namespace, pod.metadata.name ?? "");
    if (!fresh) return;
    const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    const meta = { ...fresh.metadata, finalizers };
    if (finalizers.length === 0) delete (meta as { finalizers?: string[] }).finalizers;
    updateObject(
      this.ctx,
      podsType,
      "v1",
      fresh.metadata.namespace,
      fresh.metadata.name ?? "",
      { ...fresh, metadata: meta },
      { internal: true },
    );
  }
}
