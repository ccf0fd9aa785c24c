import type { Logger } from "pino";

export type ShutdownStep = { name: string; close: () => Promise<unknown> };

/**
 * Runs the steps in order (workers before Redis connections) on SIGTERM/SIGINT, once, with an
 * overall deadline, then exits. Returns the function that performs the shutdown (for tests and
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
        log.error("shutdown timed out; exiting");
        process.exit(1);
      }, options.timeoutMs ?? 25_000);
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
