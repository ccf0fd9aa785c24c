import type { OrchestratorClient } from "@orchestrator/client";
import type { RunRecord } from "@orchestrator/contracts";

/**
 * Whether the watcher is about to start another attempt of this finished run: the same rule it
 * applies (a failed code run whose agent ran, with retries left, not cancelled, outcome known).
 */
export function retryExpected(run: RunRecord): boolean {
  return (
    run.phase === "Failed" &&
    run.request.kind === "code" &&
    !run.cancelRequestedAt &&
    run.failureReason !== "OutcomeUnknown" &&
    run.request.retryCount < run.request.maxRetries &&
    run.timeline.some((t) => t.phase === "Pending" || t.phase === "Running")
  );
}

export interface NextAttemptOptions {
  signal?: AbortSignal | undefined;
  /** how long to wait for an expected retry to be recorded. @defaultValue 60000 */
  graceMs?: number;
  /** @defaultValue 500 */
  pollMs?: number;
}

/**
 * The id of the attempt that follows a finished run (`retriedBy`), waiting for it while the watcher
 * is expected to start one; undefined when this run is the last attempt.
 */
export async function nextAttempt(
  client: OrchestratorClient,
  finished: RunRecord,
  options: NextAttemptOptions = {},
): Promise<string | undefined> {
  let run = finished;
  const deadline = Date.now() + (options.graceMs ?? 60_000);
  while (!run.retriedBy && retryExpected(run) && Date.now() < deadline) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, options.pollMs ?? 500);
      options.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(options.signal?.reason ?? new Error("aborted"));
        },
        { once: true },
      );
    });
    run = await client.get(run.id, { signal: options.signal });
  }
  return run.retriedBy;
}
