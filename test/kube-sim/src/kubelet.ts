import { ApiError } from "./api-error.js";
import { deleteObject } from "./delete-object.js";
import type { StoreEvent } from "./event-history.js";
import type { EventRecorder } from "./event-recorder.js";
import { idOf, PODS_KEY } from "./job-index.js";
import { clone, getPath, isObject, k8sTime, objectKey } from "./json-utils.js";
import { PodActions } from "./kubelet-pod-actions.js";
import { DEFAULT_KUBELET_TIMINGS, type KubeletTimings, type PodRuntime } from "./kubelet-runtime.js";
import { markTerminated, type Termination } from "./kubelet-status.js";
import { type OutcomeHook, OutcomeResolver } from "./outcome-resolver.js";
import { PodLogs } from "./pod-logs.js";
import type { OutcomeRule, PodOutcome } from "./pod-outcome.js";
import { podsType } from "./pod-resources.js";
import { podContainers } from "./pod-status.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";
import { WorkQueue } from "./work-queue.js";

const TERMINAL_STAGES = new Set(["terminated", "removing"]);
const ACTIVE_STAGES = new Set(["creating", "pullError", "pullBackOff", "running", "backoff", "configError"]);

/**
 * A single simulated node: schedules pods, pulls images, runs containers to their scripted outcome,
 * writes pod status and events, serves logs, and finishes graceful deletions.
 */
export class Kubelet {
  readonly logs = new PodLogs();
  readonly outcomes = new OutcomeResolver();
  readonly timings: KubeletTimings;
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly actions: PodActions;
  /** Pods to look at on the next pass (changed, or a transition due); see step. */
  private readonly queue = new WorkQueue();
  /** uids of pods removed from the store since the last pass. */
  private readonly gone: string[] = [];
  private ipCounter = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly events: EventRecorder,
    timings: Partial<KubeletTimings> = {},
  ) {
    this.timings = { ...DEFAULT_KUBELET_TIMINGS, ...timings };
    this.actions = new PodActions(ctx, events, this.logs, this.timings, (pod, mutate) =>
      this.writeStatus(pod, mutate),
    );
    ctx.store.subscribe((event) => this.onEvent(event));
    for (const object of ctx.store.list(PODS_KEY)) this.queue.add(idOf(object));
  }

  /** Programmatic outcome hook: `(pod, job) => outcome | undefined` (undefined → default success). */
  setOutcome(hook: OutcomeHook | undefined): void {
    this.outcomes.setHook(hook);
  }

  setDefaultOutcome(outcome: PodOutcome): void {
    this.outcomes.defaultOutcome = outcome;
  }

  addOutcomeRule(rule: OutcomeRule): string {
    return this.outcomes.addRule(rule);
  }

  /**
   * Ends a running pod whose outcome is `hang` now, as if its containers had exited: the outcome's exit
   * code, termination message and logs apply on the next pass. False when no such pod is running.
   * (Benchmarks keep many runs active and finish them one by one, at the moment they choose.)
   */
  finish(namespace: string, name: string): boolean {
    const id = objectKey(namespace, name);
    const pod = this.ctx.store.peek(PODS_KEY, id);
    const rt = pod ? this.runtimes.get(pod.metadata.uid ?? "") : undefined;
    if (rt?.stage !== "running" || !rt.outcome.hang) return false;
    rt.outcome = { ...rt.outcome, hang: false };
    rt.nextAt = Date.now();
    this.queue.add(id);
    this.ctx.kick();
    return true;
  }

  step(now: number): void {
    for (const uid of this.gone.splice(0)) {
      this.runtimes.delete(uid);
      this.logs.forget(uid);
    }
    let failure: unknown;
    for (const id of this.queue.take(now)) {
      const stored = this.ctx.store.peek(PODS_KEY, id);
      if (!stored) continue;
      const pod = clone(stored);
      const uid = pod.metadata.uid ?? "";
      const rt = this.runtimes.get(uid) ?? this.admit(pod, now);
      try {
        this.advance(pod, rt, now);
        this.queue.wakeAt(id, this.wakeTime(pod, rt));
      } catch (err) {
        // The pod changed or vanished under us (deleted, namespace gone): retry on the next pass.
        this.queue.add(id);
        if (!(err instanceof ApiError)) failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Pod events (the kubelet's informer): changed pods are looked at; removed ones are forgotten. */
  private onEvent(event: StoreEvent): void {
    if (event.key !== PODS_KEY) return;
    const id = idOf(event.object);
    if (event.type === "DELETED") {
      this.gone.push(event.object.metadata.uid ?? "");
      this.queue.forget(id);
    } else this.queue.add(id);
  }

  /** When the pod's next transition, log line or activeDeadlineSeconds is due without any change. */
  private wakeTime(pod: KubeObject, rt: PodRuntime): number {
    if (rt.stage === "removing") return Number.POSITIVE_INFINITY;
    let at = rt.nextAt;
    if (pod.metadata.deletionTimestamp) return rt.stage === "killing" ? at : Number.POSITIVE_INFINITY;
    if (rt.stage === "running") at = Math.min(at, this.actions.nextLogAt(rt));
    const deadline = getPath(pod, "spec", "activeDeadlineSeconds");
    if (ACTIVE_STAGES.has(rt.stage) && typeof deadline === "number" && rt.podStartMs !== undefined)
      at = Math.min(at, rt.podStartMs + deadline * this.ctx.msPerSecond);
    return at;
  }

  private admit(pod: KubeObject, now: number): PodRuntime {
    const job = this.ownerJob(pod);
    const { outcome, configError } = this.outcomes.resolve(pod, job);
    const containers = podContainers(pod);
    const target =
      outcome.container && containers.some((c) => c.name === outcome.container)
        ? outcome.container
        : (containers[0]?.name ?? "");
    const phase = getPath(pod, "status", "phase");
    const rt: PodRuntime = {
      uid: pod.metadata.uid ?? "",
      namespace: pod.metadata.namespace ?? "",
      name: pod.metadata.name ?? "",
      outcome,
      configError,
      target,
      stage: phase === "Succeeded" || phase === "Failed" ? "terminated" : "scheduling",
      nextAt: now + this.timings.scheduleDelayMs,
      runStartMs: now,
      runStartedAt: k8sTime(now),
      restarts: 0,
      logsEmitted: 0,
      podIP: `10.244.0.${(this.ipCounter++ % 250) + 2}`,
    };
    this.runtimes.set(rt.uid, rt);
    return rt;
  }

  private ownerJob(pod: KubeObject): KubeObject | undefined {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Job");
    return ref ? this.ctx.store.get("jobs.batch", pod.metadata.namespace, ref.name) : undefined;
  }

  private advance(pod: KubeObject, rt: PodRuntime, now: number): void {
    if (pod.metadata.deletionTimestamp) {
      this.handleDeletion(pod, rt, now);
      return;
    }
    if (rt.stage === "running") this.actions.emitDueLogs(rt, now, false);
    if (ACTIVE_STAGES.has(rt.stage) && this.actions.podDeadlinePassed(pod, rt, now)) {
      this.actions.failDeadline(pod, rt);
      return;
    }
    if (now < rt.nextAt) return;
    switch (rt.stage) {
      case "scheduling":
        this.actions.schedule(pod, rt, now);
        break;
      case "creating":
      case "backoff":
        this.actions.startContainers(pod, rt, now);
        break;
      case "pullError":
        this.actions.imagePullBackOff(pod, rt);
        break;
      case "running":
        this.actions.finishRun(pod, rt, now);
        break;
      default:
        rt.nextAt = Number.POSITIVE_INFINITY;
    }
  }

  private writeStatus(pod: KubeObject, mutate: (status: JsonObject, fresh: KubeObject) => void): void {
    const fresh = this.ctx.store.get("pods", pod.metadata.namespace, pod.metadata.name ?? "");
    if (!fresh) return;
    const status: JsonObject = isObject(fresh["status"]) ? clone(fresh["status"]) : {};
    mutate(status, fresh);
    updateObject(
      this.ctx,
      podsType,
      "v1",
      fresh.metadata.namespace,
      fresh.metadata.name ?? "",
      { ...fresh, status },
      {
        subresource: "status",
        internal: true,
      },
    );
  }

  /** Graceful deletion: stop containers (exit 143 for running ones), report Failed, then remove the pod. */
  private handleDeletion(pod: KubeObject, rt: PodRuntime, now: number): void {
    if (rt.stage === "removing") return;
    const started = rt.stage === "running" || rt.stage === "backoff";
    if (
      !TERMINAL_STAGES.has(rt.stage) &&
      getPath(pod, "spec", "nodeName") &&
      rt.stage !== "killing" &&
      rt.stage !== "unschedulable"
    ) {
      for (const c of podContainers(pod)) {
        this.events.record(
          pod,
          "Normal",
          "Killing",
          `Stopping container ${c.name}`,
          "kubelet",
          `spec.containers{${c.name}}`,
        );
      }
      rt.stage = "killing";
      rt.nextAt = now + this.timings.terminationDelayMs;
      rt.killedWhileRunning = started;
      return;
    }
    if (rt.stage === "killing") {
      if (now < rt.nextAt) return;
      const wasRunning = rt.killedWhileRunning === true;
      const killed: Termination = wasRunning
        ? { exitCode: 143, reason: "Error" }
        : { exitCode: 137, reason: "ContainerStatusUnknown" };
      this.writeStatus(pod, (s) => markTerminated(s, podContainers(pod), rt, killed, killed, wasRunning));
    }
    for (const c of podContainers(pod)) this.logs.current(rt.uid, c.name)?.finish();
    rt.stage = "removing";
    deleteObject(this.ctx, podsType, rt.namespace, rt.name, { gracePeriodSeconds: 0 }, { internal: true });
  }
}
