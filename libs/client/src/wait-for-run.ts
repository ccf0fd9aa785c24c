import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { RunUpdate } from "./api-types.js";
import type { OrchestratorClient } from "./create-orchestrator-client.js";
import { delay } from "./http-transport.js";
import { OrchestratorTimeoutError } from "./orchestrator-timeout-error.js";

export interface WaitOptions {
  /** called with each snapshot and transition seen (in polling mode: each changed snapshot) */
  onEvent?: (update: RunUpdate) => void;
  signal?: AbortSignal | undefined;
  /** give up after this long with an {@link OrchestratorTimeoutError}. @defaultValue no limit */
  timeoutMs?: number | undefined;
  /** interval of the polling fallback. @defaultValue 2000 */
  pollIntervalMs?: number;
}

/** SSE streams that end without a final phase (proxy idle timeouts, server restarts) before we poll instead. */
const MAX_SSE_RECONNECTS = 5;

/**
 * Follows a run over `GET …/events` until it reaches a final phase, then returns the full record.
 * When the stream cannot be opened (an older server, a proxy that buffers SSE) or keeps dropping,
 * it polls `GET …/runs/:id` instead.
 */
export async function waitForRun(
  client: OrchestratorClient,
  runId: string,
  options: WaitOptions = {},
): Promise<RunRecord> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw options.signal.reason;
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("timeout"));
        }, options.timeoutMs);
  const state: { last?: RunRecord } = {};
  try {
    return await follow(client, runId, options, controller.signal, state);
  } catch (err) {
    if (timedOut) throw new OrchestratorTimeoutError(runId, options.timeoutMs ?? 0, state.last);
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

async function follow(
  client: OrchestratorClient,
  runId: string,
  options: WaitOptions,
  signal: AbortSignal,
  state: { last?: RunRecord },
): Promise<RunRecord> {
  const emit = (update: RunUpdate) => {
    if (update.type === "run") state.last = update.run;
    options.onEvent?.(update);
  };
  for (let connection = 0; connection < MAX_SSE_RECONNECTS; connection++) {
    try {
      for await (const update of client.events(runId, { signal })) {
        emit(update);
        if (update.type === "run" && isTerminalPhase(update.run.phase)) return update.run;
        if (update.type === "event" && isTerminalPhase(update.event.phase)) {
          // the event carries the phase only; the record has the result (PR link, reason)
          const run = await client.get(runId, { signal });
          state.last = run;
          return run;
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      // polling reports a real problem (unknown run, bad token) through its first GET
      break;
    }
  }
  return poll(client, runId, options, signal, emit);
}

async function poll(
  client: OrchestratorClient,
  runId: string,
  options: WaitOptions,
  signal: AbortSignal,
  emit: (update: RunUpdate) => void,
): Promise<RunRecord> {
  let seen = "";
  for (;;) {
    const run = await client.get(runId, { signal });
    const version = `${run.phase}|${run.updatedAt}`;
    if (version !== seen) {
      seen = version;
      emit({ type: "run", run });
    }
    if (isTerminalPhase(run.phase)) return run;
    await delay(options.pollIntervalMs ?? 2000, signal);
  }
}
