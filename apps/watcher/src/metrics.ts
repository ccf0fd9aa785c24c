import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import { RUN_BUCKETS } from "@orchestrator/observability";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { runDurationSeconds, stageDurations } from "./run-stages.js";

export interface WatcherMetrics {
  runsTotal: Counter<"kind" | "phase">;
  runDuration: Histogram<"kind" | "phase">;
  runsActive: Gauge<"kind">;
  stageDuration: Histogram<"kind" | "stage">;
  watchRestarts: Counter<"resource">;
  githubComments: Counter<"outcome">;
  githubRedelivered: Counter;
  callbacks: Counter<"outcome">;
  retries: Counter<"kind">;
  statusPatches: Counter<"kind">;
  gcDeleted: Counter<"resource" | "reason">;
  failures: Counter<"kind" | "reason">;
  /** set after every successful resync of the Kubernetes follower: "no watcher progress" alerts on it */
  lastResync: Gauge;
  /** records a run that reached its final phase (once per run, from its run event) */
  runFinished(run: RunRecord): void;
}

export function createWatcherMetrics(registry: Registry): WatcherMetrics {
  const registers = [registry];
  const runsTotal = new Counter({
    name: "orchestrator_runs_total",
    help: "Runs that reached a final phase, by kind and phase",
    labelNames: ["kind", "phase"] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: "orchestrator_run_duration_seconds",
    help: "Time from acceptance to the final phase",
    labelNames: ["kind", "phase"] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const stageDuration = new Histogram({
    name: "orchestrator_run_stage_duration_seconds",
    help: "Time runs spend between milestones (accepted, rendered, Job created, pod running, finished), from the run timeline",
    labelNames: ["kind", "stage"] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const failures = new Counter({
    name: "orchestrator_run_failures_total",
    help: "Runs that ended Failed, by kind and failure reason (OOMKilled, PendingTimeout, DeadlineExceeded, …)",
    labelNames: ["kind", "reason"] as const,
    registers,
  });
  return {
    runsTotal,
    failures,
    lastResync: new Gauge({
      name: "orchestrator_watcher_last_resync_timestamp_seconds",
      help: "Unix time of the watcher's last successful resync of runs against Kubernetes",
      registers,
    }),
    runDuration,
    stageDuration,
    runsActive: new Gauge({
      name: "orchestrator_runs_active",
      help: "Runs accepted and not yet finished, by kind",
      labelNames: ["kind"] as const,
      registers,
    }),
    watchRestarts: new Counter({
      name: "orchestrator_watch_restarts_total",
      help: "Kubernetes watches restarted after an error, by resource",
      labelNames: ["resource"] as const,
      registers,
    }),
    githubComments: new Counter({
      name: "orchestrator_github_comment_syncs_total",
      help: "GitHub run comments synced, by outcome (created, updated, unchanged, skipped)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    githubRedelivered: new Counter({
      name: "orchestrator_github_redelivered_total",
      help: "Failed GitHub webhook deliveries the watcher asked GitHub to redeliver (App mode)",
      registers,
    }),
    callbacks: new Counter({
      name: "orchestrator_callbacks_total",
      help: "Run callbacks by outcome (delivered, failed)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    retries: new Counter({
      name: "orchestrator_run_retries_total",
      help: "Automatic retries started for failed runs",
      labelNames: ["kind"] as const,
      registers,
    }),
    statusPatches: new Counter({
      name: "orchestrator_cr_status_patches_total",
      help: "DocsRun/CodeRun status subresource writes",
      labelNames: ["kind"] as const,
      registers,
    }),
    gcDeleted: new Counter({
      name: "orchestrator_gc_deleted_total",
      help: "Objects removed by the watcher's garbage collection, by resource and reason",
      labelNames: ["resource", "reason"] as const,
      registers,
    }),
    runFinished(run) {
      if (!isTerminalPhase(run.phase)) return;
      runsTotal.inc({ kind: run.kind, phase: run.phase });
      if (run.phase === "Failed") failures.inc({ kind: run.kind, reason: reasonLabel(run.failureReason) });
      const seconds = runDurationSeconds(run);
      if (seconds !== undefined) runDuration.observe({ kind: run.kind, phase: run.phase }, seconds);
      for (const { stage, seconds: s } of stageDurations(run))
        stageDuration.observe({ kind: run.kind, stage }, s);
    },
  };
}

/** failure reasons are short CamelCase words; anything else is one bounded label value */
function reasonLabel(reason: string | undefined): string {
  if (!reason) return "Unknown";
  return /^[A-Za-z][A-Za-z0-9]{0,39}$/.test(reason) ? reason : "Other";
}
