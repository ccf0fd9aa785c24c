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
import { clone, deepEqual, getPath, isObject, k8sTime } from "./json-utils.js";
import { podsType } from "./pod-resources.js";
import type { SimContext } from "./sim-context.js";
import { expireFinishedJob, type JobMemory } from "./ttl-after-finished.js";
import type { JsonObject, KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff, in Kubernetes seconds. */
const BACKOFF_BASE_S = 10;
const BACKOFF_MAX_S = 360;

/**
 * The Job controller for NonIndexed jobs: creates pods from the template (with the job-tracking
 * finalizer), counts terminal pods, applies backoffLimit (with exponential backoff between retries),
 * activeDeadlineSeconds and suspend, sets FailureTarget/SuccessCriteriaMet then Failed/Complete, and runs
 * the TTL-after-finished cleanup (foreground deletion, as the real ttl-after-finished controller does).
 */
export class JobController {
  private readonly memory = new Map<string, JobMemory>();

  constructor(
    private readonly ctx: SimContext,
    private readonly events: EventRecorder,
  ) {}

  step(now: number): void {
    const pods = this.ctx.store.list("pods");
    const live = new Set<string>();
    for (const job of this.ctx.store.list("jobs.batch")) {
      const uid = job.metadata.uid ?? "";
      live.add(uid);
      const owned = pods.filter((p) =>
        p.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller),
      );
      try {
        this.sync(job, owned, now);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
    for (const uid of this.memory.keys()) if (!live.has(uid)) this.memory.delete(uid);
    // Pods whose Job is gone (or that were orphaned) must not keep the tracking finalizer forever.
    for (const pod of pods) {
      if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
      const controller = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Job");
      if (!controller || !live.has(controller.uid)) this.untrack(pod);
    }
  }

  private untrack(pod: KubeObject): void {
    try {
      this.removeTrackingFinalizer(pod);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
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

  private sync(job: KubeObject, pods: KubeObject[], now: number): void {
    if (job.metadata.deletionTimestamp) {
      // A Job being deleted creates nothing and releases its pods so the GC can remove them.
      for (const pod of pods)
        if (pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) this.untrack(pod);
      return;
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
      const delayS = Math.min(BACKOFF_BASE_S * 2 ** (failed - 1), BACKOFF_MAX_S);
      if (now < mem.lastFailureMs + delayS * this.ctx.msPerSecond) return;
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

  private removeTrackingFinalizer(pod: KubeObject): void {
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
