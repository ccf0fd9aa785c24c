import { isTerminalPhase, type RunRecord, type TimelineEntry } from "@orchestrator/contracts";

/** Stage label values of `orchestrator_run_stage_duration_seconds`, in run order. */
export const RUN_STAGES = [
  "accepted_to_rendered",
  "rendered_to_job_created",
  "job_created_to_pod_running",
  "pod_running_to_finished",
] as const;
export type RunStage = (typeof RUN_STAGES)[number];

export interface StageDuration {
  stage: RunStage;
  seconds: number;
}

/**
 * How long a finished run spent in each stage, read from its timeline (so the numbers survive
 * restarts and do not depend on who watched). Milestones:
 * - accepted: the first entry (`Queued`);
 * - rendered: the first entry after rendering started (Dispatched, or Queued waiting for a slot);
 * - Job created: the first `Dispatched` (the dispatcher records it once the objects exist), else `Pending`;
 * - pod running: the first `Running`;
 * - finished: the final entry.
 * A stage is left out when one of its ends never happened (a run failed at rendering has no later stages).
 */
export function stageDurations(run: RunRecord): StageDuration[] {
  const timeline = run.timeline;
  const finished = isTerminalPhase(run.phase) ? timeline.findLast((t) => t.phase === run.phase) : undefined;
  const accepted = timeline[0];
  const renderingAt = timeline.findIndex((t) => t.phase === "Rendering");
  const afterRender =
    renderingAt >= 0 ? timeline.slice(renderingAt + 1).find((t) => t.phase !== "Rendering") : undefined;
  const rendered = afterRender && !isTerminalPhase(afterRender.phase) ? afterRender : undefined;
  const jobCreated = first(timeline, "Dispatched") ?? first(timeline, "Pending");
  const podRunning = first(timeline, "Running");
  const milestones: [RunStage, TimelineEntry | undefined, TimelineEntry | undefined][] = [
    ["accepted_to_rendered", accepted, rendered],
    ["rendered_to_job_created", rendered, jobCreated],
    ["job_created_to_pod_running", jobCreated, podRunning],
    ["pod_running_to_finished", podRunning, finished],
  ];
  const out: StageDuration[] = [];
  for (const [stage, from, to] of milestones) {
    if (!from || !to) continue;
    const seconds = (Date.parse(to.at) - Date.parse(from.at)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0) out.push({ stage, seconds });
  }
  return out;
}

/** Seconds from acceptance to the final phase (undefined while the run is not finished). */
export function runDurationSeconds(run: RunRecord): number | undefined {
  if (!isTerminalPhase(run.phase)) return undefined;
  const end = run.timeline.findLast((t) => t.phase === run.phase);
  if (!end) return undefined;
  return Math.max(0, (Date.parse(end.at) - Date.parse(run.createdAt)) / 1000);
}

function first(timeline: readonly TimelineEntry[], phase: TimelineEntry["phase"]): TimelineEntry | undefined {
  return timeline.find((t) => t.phase === phase);
}
