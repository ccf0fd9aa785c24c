import {
  isTerminalPhase,
  type QUEUES,
  type RunEvent,
  type RunKind,
  type RunRecord,
} from "@orchestrator/contracts";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import type { CallbackDelivery } from "../callbacks/callback-delivery.js";
import { GithubReporter } from "../github/github-reporter.js";
import type { GithubSync } from "../github/github-sync.js";
import type { WatcherMetrics } from "../metrics.js";
import type { OnceMarker } from "../once-marker.js";
import { retryDecision, startRetry } from "../retries/auto-retry.js";

export interface OutcomeHandlerDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  controlQueue: TypedQueue<typeof QUEUES.control>;
  callbacks: CallbackDelivery;
  /** undefined when GitHub reporting is off (no credentials, or GITHUB_COMMENTS=false) */
  github: GithubSync | undefined;
  metrics: WatcherMetrics;
  /** a finished run is counted in the run metrics once, whoever finished it and whenever it is seen */
  counted: OnceMarker;
  /** moves a kubectl-applied CR to a retry (Kubernetes runtime); undefined otherwise */
  handOver: ((retry: RunRecord) => Promise<void>) | undefined;
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

  async function count(run: RunRecord): Promise<void> {
    if (await deps.counted.claim(run.id)) deps.metrics.runFinished(run);
  }

  async function follow(run: RunRecord, fromEvent: boolean): Promise<void> {
    if (deps.github && GithubReporter.wants(run)) await deps.github.mark(run.id);
    if (!isTerminalPhase(run.phase)) return;
    await count(run);
    if (fromEvent) {
      await deps.controlQueue.add(
        "released",
        { action: "released", runId: run.id },
        { jobId: `released-${run.id}` },
      );
    }
    await deps.callbacks.enqueue(run);
    const decision = retryDecision(run);
    if (decision.retry) {
      const attempt = run.attempt + 1;
      const reason = `automatic retry ${attempt - 1} of ${run.request.kind === "code" ? run.request.maxRetries : 0} (previous attempt ${run.id} failed)`;
      const retry = await startRetry(
        { runStore: deps.runStore, renderQueue: deps.renderQueue, log: deps.log, handOver: deps.handOver },
        run,
        reason,
      );
      if (retry) deps.metrics.retries.inc({ kind: run.kind });
    } else if (run.phase === "Failed") {
      deps.log.debug({ runId: run.id, why: decision.why }, "no automatic retry");
    }
  }

  return {
    async onEvent(event) {
      if (isTerminalPhase(event.phase)) active.delete(event.runId);
      else active.set(event.runId, event.kind);
      refreshGauge();
      const run = await retrying(() => deps.runStore.get(event.runId));
      if (!run) return;
      // the event may be older than the record: act on what the record says now
      const finished = isTerminalPhase(event.phase) && isTerminalPhase(run.phase);
      await retrying(() => follow(run, finished));
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
            await follow(run, false).catch((err: unknown) =>
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
      await new Promise((resolve) => setTimeout(resolve, baseMs * 2 ** (attempt - 1)));
    }
  }
}
