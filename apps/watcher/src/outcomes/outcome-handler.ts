import {
  backoffMs,
  isTerminalPhase,
  type RunEvent,
  type RunKind,
  type RunRecord,
  sleep,
} from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { GithubReporter } from "../github/github-reporter.js";
import type { GithubSync } from "../github/github-sync.js";
import type { WatcherMetrics } from "../metrics.js";
import type { FinalEffects } from "./final-effects.js";

export interface OutcomeHandlerDeps {
  runStore: RunStore;
  /** durable work items for what a final phase sets off (count, slot, callback, retry) */
  finalEffects: FinalEffects;
  /** undefined when GitHub reporting is off (no credentials, or GITHUB_COMMENTS=false) */
  github: GithubSync | undefined;
  metrics: WatcherMetrics;
  log: Logger;
  now: () => number;
  /** on a restart scan, finished runs older than this are left alone, ms @defaultValue 24 h */
  scanLookbackMs?: number;
}

export interface OutcomeHandler {
  /** a run event from the run store's channel (any service's transition) */
  onEvent(event: RunEvent): Promise<void>;
  /**
   * catches up after a restart: comments, callbacks, retries and run metrics of recent runs (finished
   * while the watcher was down, by it or another service); rebuilds the active gauge
   */
  scan(): Promise<number>;
}

/**
 * What follows a phase change, whoever made it: the GitHub comment is brought up to date; a final
 * phase is counted (once per run, marked in Redis), releases the run's concurrency slot (durable
 * `released` control job), fires the
 * callback and, for failed code runs with retries left, starts the next attempt. Every step is
 * idempotent, so an event seen twice or a restart scan repeats nothing.
 */
export function createOutcomeHandler(deps: OutcomeHandlerDeps): OutcomeHandler {
  const active = new Map<string, RunKind>();
  const refreshGauge = () => {
    const counts: Record<RunKind, number> = { docs: 0, code: 0 };
    for (const kind of active.values()) counts[kind]++;
    for (const kind of ["docs", "code"] as const) deps.metrics.runsActive.set({ kind }, counts[kind]);
  };

  async function follow(run: RunRecord): Promise<void> {
    if (deps.github && GithubReporter.wants(run)) await deps.github.mark(run.id);
    // a durable work item: survives a crash or a Redis restart right after this point
    if (isTerminalPhase(run.phase)) await deps.finalEffects.mark(run.id);
  }

  return {
    async onEvent(event) {
      if (isTerminalPhase(event.phase)) active.delete(event.runId);
      else active.set(event.runId, event.kind);
      refreshGauge();
      const run = await retrying(() => deps.runStore.get(event.runId));
      if (!run) return;
      // the event may be older than the record: act on what the record says now
      await retrying(() => follow(run));
    },
    async scan() {
      const cutoff = deps.now() - (deps.scanLookbackMs ?? 24 * 3600_000);
      active.clear();
      let cursor: string | undefined;
      let seen = 0;
      do {
        const page = await deps.runStore.list({ limit: 200, cursor });
        for (const run of page.runs) {
          seen++;
          if (!isTerminalPhase(run.phase)) active.set(run.id, run.kind);
          if (!isTerminalPhase(run.phase) || Date.parse(run.updatedAt) >= cutoff) {
            await follow(run).catch((err: unknown) =>
              deps.log.warn({ err, runId: run.id }, "catching up on a run failed"),
            );
          }
        }
        cursor = page.nextCursor;
      } while (cursor);
      refreshGauge();
      return seen;
    },
  };
}

/** Runs `fn`, retrying a few times with backoff (a Redis blip must not lose a callback or a retry). */
async function retrying<T>(fn: () => Promise<T>, attempts = 4, baseMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await sleep(backoffMs(attempt, baseMs, 10 * baseMs));
    }
  }
}
