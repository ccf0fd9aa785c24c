import { sleep } from "@orchestrator/contracts";
import type { Worker } from "bullmq";
import type { Logger } from "pino";

export type ShutdownStep = { name: string; close: () => Promise<unknown> };

/** Longest a shutdown takes before the process exits anyway (Kubernetes' grace period is 30 s). */
export const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * Closes a worker: it takes no new jobs and active ones get `graceMs` to finish; after that it is
 * closed without waiting for them. Their locks then expire and another worker takes them over
 * (every handler is safe to repeat), so a slow API call never holds a shutdown up.
 */
export async function closeWorker(worker: Worker, graceMs = 6_000): Promise<void> {
  const closing = worker.close();
  const finished = await Promise.race([closing.then(() => true), sleep(graceMs).then(() => false)]);
  if (!finished) await Promise.race([worker.close(true), sleep(1_000)]);
}

/**
 * Runs the steps in order (workers before Redis connections) on SIGTERM/SIGINT, once, with an
 * overall deadline ({@link SHUTDOWN_DEADLINE_MS}), then exits 0: work left unfinished is redone by
 * another replica, so a slow step is not a failure. Returns the function that performs the shutdown (for tests and
 * the all-in-one process).
 */
export function onShutdown(
  steps: ShutdownStep[],
  log: Logger,
  options: { timeoutMs?: number; exit?: boolean } = {},
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const deadline = setTimeout(() => {
        log.warn("shutdown deadline passed; exiting (unfinished jobs are taken over by another worker)");
        process.exit(0);
      }, options.timeoutMs ?? SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      for (const step of steps) {
        try {
          await step.close();
        } catch (err) {
          log.warn({ err, step: step.name }, "error during shutdown");
        }
      }
      clearTimeout(deadline);
      log.info("stopped");
      if (options.exit ?? true) process.exit(0);
    })();
    return running;
  };
  process.once("SIGTERM", () => void shutdown());
  process.once("SIGINT", () => void shutdown());
  return shutdown;
}
