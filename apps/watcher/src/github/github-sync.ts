import type { Logger } from "pino";
import type { DurableWorkSet } from "../durable-work-set.js";
import { createWorkLoop, type WorkLoop } from "../work-loop.js";
import { GithubApiError } from "./github-api-error.js";
import { GithubRateLimitError } from "./github-rate-limit-error.js";
import type { GithubReporter } from "./github-reporter.js";

export interface GithubSyncOptions {
  reporter: GithubReporter;
  set: DurableWorkSet;
  log: Logger;
  /** wait this long after a change before syncing, so quick successive phases make one edit, ms */
  debounceMs: number;
  /** @defaultValue 500 */
  pollMs?: number;
}

export interface GithubSync {
  /** the run's comment should show its current state */
  mark(runId: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** syncs everything due now (tests) */
  drain(): Promise<number>;
}

/**
 * Runs whose GitHub comment needs an update, kept in Redis and worked off in the background, so a
 * slow or rate-limited GitHub never holds up following runs and a restart loses no update.
 */
export function createGithubSync(options: GithubSyncOptions): GithubSync {
  const loop: WorkLoop = createWorkLoop({
    name: "github comments",
    set: options.set,
    log: options.log,
    pollMs: options.pollMs ?? 500,
    maxAttempts: 12,
    work: async (runId) => {
      await options.reporter.sync(runId);
    },
    retryDelay: (err, attempts) => {
      if (err instanceof GithubRateLimitError) return err.retryAfterMs;
      const base = err instanceof GithubApiError && !err.transient ? 60_000 : 2000;
      return Math.min(base * 2 ** (attempts - 1), 30 * 60_000);
    },
  });
  return {
    async mark(runId) {
      await options.set.mark(runId, options.debounceMs);
    },
    start: () => loop.start(),
    stop: () => loop.stop(),
    drain: () => loop.runOnce(),
  };
}
