import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { RunCondition, RunStatus } from "@orchestrator/kube";

/**
 * The CR status a run should show, conditions included. `lastTransitionTime` of a condition only
 * moves when its status flips (Kubernetes convention); a new reason or message keeps the old time.
 * `lastUpdate` is left to the writer, which sets it only when something else changed.
 * `observedGeneration` is the CR's `metadata.generation` the status was written for.
 */
export function desiredCrStatus(
  run: RunRecord,
  current: RunStatus | undefined,
  now: string,
  generation?: number,
): RunStatus {
  const status: RunStatus = { phase: run.phase, runId: run.id };
  if (generation !== undefined) status.observedGeneration = generation;
  const message = run.message ?? run.timeline.at(-1)?.reason;
  if (message) status.message = message;
  if (run.links.job) status.jobName = run.links.job;
  if (run.links.configMap) status.configmapName = run.links.configMap;
  const pullRequestUrl = run.result?.pullRequestUrl ?? run.links.pullRequestUrl;
  if (pullRequestUrl) status.pullRequestUrl = pullRequestUrl;
  if (run.result?.sessionId) status.sessionId = run.result.sessionId;
  if (run.request.kind === "code") {
    status.retryCount = run.request.retryCount;
    status.contextVersion = run.request.contextVersion;
  }
  status.conditions = conditionsFor(run, current?.conditions ?? [], now);
  return status;
}

function conditionsFor(run: RunRecord, previous: readonly RunCondition[], now: string): RunCondition[] {
  const terminal = isTerminalPhase(run.phase);
  const reachedPhase = (phase: string) => run.timeline.some((t) => t.phase === phase);
  const started = reachedPhase("Running");
  const dispatched = Boolean(run.links.job) || reachedPhase("Pending") || started;
  const message = run.message ?? "";
  const wanted: Omit<RunCondition, "lastTransitionTime">[] = [
    {
      type: "Dispatched",
      status: dispatched ? "True" : terminal ? "False" : "Unknown",
      reason: dispatched ? "JobCreated" : run.phase,
    },
    {
      type: "Running",
      status: run.phase === "Running" ? "True" : started || terminal ? "False" : "Unknown",
      reason: run.phase,
    },
    {
      type: "Complete",
      status: terminal ? "True" : "False",
      reason: run.phase,
      ...(terminal && message ? { message } : {}),
    },
    // the original controller's single condition: True only for a succeeded run
    {
      type: "Ready",
      status: run.phase === "Succeeded" ? "True" : terminal ? "False" : "Unknown",
      reason: run.phase,
      ...(terminal && message ? { message } : {}),
    },
  ];
  return wanted.map((condition) => {
    const before = previous.find((c) => c.type === condition.type);
    const lastTransitionTime =
      before && before.status === condition.status && before.lastTransitionTime
        ? before.lastTransitionTime
        : now;
    return { ...condition, lastTransitionTime };
  });
}

/**
 * Whether the CR shows something other than `desired`. Only the fields the watcher writes count
 * (never `lastUpdate`), so fields someone else maintains cannot cause a patch on every pass.
 */
export function statusChanged(current: RunStatus | undefined, desired: RunStatus): boolean {
  if (!current) return true;
  const keys = Object.keys(desired).filter((k) => k !== "lastUpdate") as (keyof RunStatus)[];
  return keys.some((key) => stableJson(current[key]) !== stableJson(desired[key]));
}

/** JSON with object keys sorted, so key order never counts as a change. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
