import type { RunRecord } from "./run-record.js";
import type { RunRequest } from "./run-request.js";

/** Appended to the prompt of an automatic retry when the request gives no prompt modification. */
export const DEFAULT_RETRY_PROMPT =
  "The previous attempt did not finish successfully. Continue from where it stopped: check the state of the " +
  "feature branch, fix what failed, run the tests, and complete the task.";

const FAILURE_NOTE = "\n\nThe previous attempt ended with: ";
const MAX_PROMPT_MODIFICATION = 16 * 1024;
const MAX_CONTEXT_VERSION = 1000;

/**
 * The request for the next attempt of a run. Code runs continue the session with the next context
 * version; docs runs start fresh. The idempotency key is derived from the failed run, so asking twice
 * for the retry of one run yields one retry.
 */
export function buildRetryRequest(run: RunRecord, options: { reason?: string } = {}): RunRequest {
  const base = run.request;
  const idempotencyKey = `retry:${run.id}`;
  if (base.kind === "docs") return { ...base, idempotencyKey, retryOf: run.id };
  const failure = run.result?.reason ?? options.reason ?? run.message;
  // an earlier retry's failure note is replaced, not stacked, so retries of retries stay within limits
  const modification = (base.promptModification ?? DEFAULT_RETRY_PROMPT).split(FAILURE_NOTE)[0]!.trimEnd();
  const note = failure ? `${FAILURE_NOTE}${failure.slice(0, 2000)}` : "";
  const next: RunRequest = {
    ...base,
    idempotencyKey,
    retryOf: run.id,
    contextVersion: Math.min(base.contextVersion + 1, MAX_CONTEXT_VERSION),
    continueSession: true,
    retryCount: Math.min(base.retryCount + 1, 10),
    promptModification: `${modification.slice(0, MAX_PROMPT_MODIFICATION - note.length)}${note}`,
  };
  const sessionId = run.result?.sessionId;
  if (sessionId && /^[A-Za-z0-9-]{1,100}$/.test(sessionId)) next.sessionId = sessionId;
  return next;
}
