import type { EventRecorder } from "./event-recorder.js";
import { getPath, k8sTime } from "./json-utils.js";
import type { KubeletTimings, PodRuntime } from "./kubelet-runtime.js";
import {
  markCrashLoop,
  markRunning,
  markScheduledPending,
  markTerminated,
  markWaiting,
  type Termination,
} from "./kubelet-status.js";
import type { PodLogs } from "./pod-logs.js";
import { podsType } from "./pod-resources.js";
import { podContainers, setCondition } from "./pod-status.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";

export type StatusWriter = (pod: KubeObject, mutate: (status: JsonObject, fresh: KubeObject) => void) => void;

/**
 * The kubelet's transitions for one pod (schedule, pull, start, exit, restart, evict, deadline): each
 * writes the pod status the way the real components do and records their events.
 */
export class PodActions {
  constructor(
    private readonly ctx: SimContext,
    private readonly events: EventRecorder,
    private readonly logs: PodLogs,
    private readonly timings: KubeletTimings,
    private readonly writeStatus: StatusWriter,
  ) {}

  schedule(pod: KubeObject, rt: PodRuntime, now: number): void {
    const unschedulable = rt.outcome.unschedulable;
    if (unschedulable && !rt.configError) {
      const message =
        typeof unschedulable === "string"
          ? unschedulable
          : "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
      this.writeStatus(pod, (s) => setCondition(s, "PodScheduled", "False", "Unschedulable", message));
      this.events.record(pod, "Warning", "FailedScheduling", message, "default-scheduler");
      rt.stage = "unschedulable";
      rt.nextAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (!getPath(pod, "spec", "nodeName")) {
      const bound = { ...pod, spec: { ...(pod["spec"] as object), nodeName: this.ctx.nodeName } };
      updateObject(this.ctx, podsType, "v1", rt.namespace, rt.name, bound, { internal: true });
      this.events.record(
        pod,
        "Normal",
        "Scheduled",
        `Successfully assigned ${rt.namespace}/${rt.name} to ${this.ctx.nodeName}`,
        "default-scheduler",
      );
    }
    rt.podStartMs = now;
    const containers = podContainers(pod);
    this.writeStatus(pod, (s) => markScheduledPending(s, containers, rt));
    if (rt.configError) {
      const message = rt.configError;
      this.writeStatus(pod, (s) =>
        markWaiting(s, containers, rt.target, "CreateContainerConfigError", message),
      );
      this.events.record(
        pod,
        "Warning",
        "Failed",
        `Error: ${message}`,
        "kubelet",
        `spec.containers{${rt.target}}`,
      );
      rt.stage = "configError";
      rt.nextAt = Number.POSITIVE_INFINITY;
      return;
    }
    for (const c of containers) {
      this.events.record(
        pod,
        "Normal",
        "Pulling",
        `Pulling image "${c.image}"`,
        "kubelet",
        `spec.containers{${c.name}}`,
      );
    }
    rt.stage = "creating";
    rt.nextAt = now + (rt.outcome.startDelayMs ?? this.timings.startDelayMs);
  }

  targetImage(pod: KubeObject, rt: PodRuntime): string {
    return podContainers(pod).find((c) => c.name === rt.target)?.image ?? "";
  }

  startContainers(pod: KubeObject, rt: PodRuntime, now: number): void {
    const containers = podContainers(pod);
    const pullError = rt.outcome.imagePullError;
    if (pullError && rt.stage === "creating") {
      const image = this.targetImage(pod, rt);
      const message =
        typeof pullError === "string"
          ? pullError
          : `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`;
      this.writeStatus(pod, (s) => markWaiting(s, containers, rt.target, "ErrImagePull", message));
      const fieldPath = `spec.containers{${rt.target}}`;
      this.events.record(
        pod,
        "Warning",
        "Failed",
        `Failed to pull image "${image}": ${message}`,
        "kubelet",
        fieldPath,
      );
      this.events.record(pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet", fieldPath);
      rt.stage = "pullError";
      rt.nextAt = now + this.timings.imagePullBackOffMs;
      return;
    }
    const firstStart = rt.stage === "creating";
    if (!firstStart) rt.restarts += 1;
    for (const c of containers) {
      this.logs.startAttempt(rt.uid, c.name);
      const fieldPath = `spec.containers{${c.name}}`;
      if (firstStart) {
        const took = `${rt.outcome.startDelayMs ?? this.timings.startDelayMs}ms`;
        this.events.record(
          pod,
          "Normal",
          "Pulled",
          `Successfully pulled image "${c.image}" in ${took} (${took} including waiting). Image size: 1048576 bytes.`,
          "kubelet",
          fieldPath,
        );
      }
      this.events.record(pod, "Normal", "Created", `Created container: ${c.name}`, "kubelet", fieldPath);
      this.events.record(pod, "Normal", "Started", `Started container ${c.name}`, "kubelet", fieldPath);
    }
    rt.runStartMs = now;
    rt.runStartedAt = k8sTime(now);
    rt.logsEmitted = 0;
    this.writeStatus(pod, (s) => markRunning(s, containers, rt));
    rt.stage = "running";
    rt.nextAt = rt.outcome.hang ? Number.POSITIVE_INFINITY : now + this.runDuration(rt);
    this.emitDueLogs(rt, now, false);
  }

  runDuration(rt: PodRuntime): number {
    return rt.outcome.durationMs ?? this.timings.runDurationMs;
  }

  emitDueLogs(rt: PodRuntime, now: number, flush: boolean): void {
    const lines = rt.outcome.logs ?? [];
    const log = this.logs.current(rt.uid, rt.target);
    if (!log || lines.length === 0) return;
    const interval = rt.outcome.logIntervalMs ?? this.runDuration(rt) / lines.length;
    while (rt.logsEmitted < lines.length && (flush || now >= rt.runStartMs + rt.logsEmitted * interval)) {
      log.append(lines[rt.logsEmitted] ?? "");
      rt.logsEmitted += 1;
    }
  }

  /** When emitDueLogs has its next line to write (Infinity when none is left). */
  nextLogAt(rt: PodRuntime): number {
    const lines = rt.outcome.logs ?? [];
    if (rt.logsEmitted >= lines.length || !this.logs.current(rt.uid, rt.target))
      return Number.POSITIVE_INFINITY;
    const interval = rt.outcome.logIntervalMs ?? this.runDuration(rt) / lines.length;
    return rt.runStartMs + rt.logsEmitted * interval;
  }

  imagePullBackOff(pod: KubeObject, rt: PodRuntime): void {
    const image = this.targetImage(pod, rt);
    const message = `Back-off pulling image "${image}"`;
    this.writeStatus(pod, (s) => markWaiting(s, podContainers(pod), rt.target, "ImagePullBackOff", message));
    const fieldPath = `spec.containers{${rt.target}}`;
    this.events.record(pod, "Normal", "BackOff", message, "kubelet", fieldPath);
    this.events.record(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", fieldPath);
    rt.stage = "pullBackOff";
    rt.nextAt = Number.POSITIVE_INFINITY;
  }

  terminationMessage(pod: KubeObject, rt: PodRuntime, exitCode: number): string | undefined {
    // The kubelet reads at most the last 4096 bytes of the message file (tail.ReadAtMost with
    // MaxContainerTerminationMessageLength, pkg/kubelet/kuberuntime/kuberuntime_container.go).
    if (rt.outcome.terminationMessage !== undefined) return lastBytes(rt.outcome.terminationMessage, 4096);
    // terminationMessagePolicy FallbackToLogsOnError: a failed container without a message reports its log tail.
    const containers = getPath(pod, "spec", "containers");
    const container = Array.isArray(containers)
      ? containers.find((c) => getPath(c, "name") === rt.target)
      : undefined;
    if (exitCode === 0 || getPath(container, "terminationMessagePolicy") !== "FallbackToLogsOnError")
      return undefined;
    const lines = this.logs.current(rt.uid, rt.target)?.lines.map((l) => l.text) ?? [];
    const tail = lines.slice(-80).join("\n");
    return lastBytes(tail, 2048) || undefined;
  }

  finishRun(pod: KubeObject, rt: PodRuntime, now: number): void {
    this.emitDueLogs(rt, now, true);
    const containers = podContainers(pod);
    if (rt.outcome.evicted) {
      this.evict(pod, rt);
      return;
    }
    const o = rt.outcome;
    const exitCode = o.oomKilled ? 137 : (o.exitCode ?? 0);
    const reason = o.reason ?? (o.oomKilled ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error");
    const target: Termination = { exitCode, reason, message: this.terminationMessage(pod, rt, exitCode) };
    const policy = getPath(pod, "spec", "restartPolicy");
    for (const c of containers) this.logs.current(rt.uid, c.name)?.finish();
    if (policy === "Always" || (policy === "OnFailure" && exitCode !== 0)) {
      const backoffSeconds = Math.min(10 * 2 ** rt.restarts, 300);
      const podRef = `${rt.name}_${rt.namespace}(${rt.uid})`;
      this.writeStatus(pod, (s) => markCrashLoop(s, containers, rt, target, backoffSeconds, podRef));
      this.events.record(
        pod,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${rt.target} in pod ${podRef}`,
        "kubelet",
        `spec.containers{${rt.target}}`,
      );
      rt.stage = "backoff";
      rt.nextAt = now + backoffSeconds * this.ctx.msPerSecond;
      return;
    }
    this.writeStatus(pod, (s) =>
      markTerminated(s, containers, rt, target, { exitCode: 0, reason: "Completed" }, true),
    );
    rt.stage = "terminated";
    rt.nextAt = Number.POSITIVE_INFINITY;
  }

  evict(pod: KubeObject, rt: PodRuntime): void {
    const flag = rt.outcome.evicted;
    const message =
      typeof flag === "string"
        ? flag
        : "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ";
    const lost: Termination = {
      exitCode: 137,
      reason: "ContainerStatusUnknown",
      message: "The container could not be located when the pod was terminated",
    };
    this.writeStatus(pod, (s) => {
      markTerminated(s, podContainers(pod), rt, lost, lost, true);
      s["reason"] = "Evicted";
      s["message"] = message;
      setCondition(s, "DisruptionTarget", "True", "TerminationByKubelet", message);
    });
    this.events.record(pod, "Warning", "Evicted", message, "kubelet");
    rt.stage = "terminated";
    rt.nextAt = Number.POSITIVE_INFINITY;
  }

  podDeadlinePassed(pod: KubeObject, rt: PodRuntime, now: number): boolean {
    const deadline = getPath(pod, "spec", "activeDeadlineSeconds");
    return (
      typeof deadline === "number" &&
      rt.podStartMs !== undefined &&
      now - rt.podStartMs >= deadline * this.ctx.msPerSecond
    );
  }

  failDeadline(pod: KubeObject, rt: PodRuntime): void {
    const message = "Pod was active on the node longer than the specified deadline";
    const killed: Termination = { exitCode: 137, reason: "Error" };
    this.writeStatus(pod, (s) => {
      markTerminated(s, podContainers(pod), rt, killed, killed, rt.stage === "running");
      s["reason"] = "DeadlineExceeded";
      s["message"] = message;
    });
    this.events.record(pod, "Warning", "DeadlineExceeded", message, "kubelet");
    for (const c of podContainers(pod)) this.logs.current(rt.uid, c.name)?.finish();
    rt.stage = "terminated";
    rt.nextAt = Number.POSITIVE_INFINITY;
  }
}

/** The last `max` bytes of the UTF-8 encoding (a cut multi-byte character decodes as U+FFFD). */
function lastBytes(text: string, max: number): string {
  const buf = Buffer.from(text, "utf8");
  return buf.length <= max ? text : buf.subarray(buf.length - max).toString("utf8");
}
