import type { RunRecord, RunRequest } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import { ValidationError } from "../errors/http-error.js";

/** How many code runs, newest first, are searched for the task's last session. */
const SEARCH_LIMIT = 2000;
const PAGE = 200;

/**
 * Takes the `fresh` flag (start Claude without resuming) out of an API body; it is an instruction to
 * ingress, not part of the run request.
 * @throws ValidationError when `fresh` is not a boolean, or is combined with `sessionId`
 */
export function takeFreshFlag(body: unknown): { body: unknown; fresh: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("fresh" in body))
    return { body, fresh: false };
  const { fresh, ...rest } = body as Record<string, unknown>;
  if (typeof fresh !== "boolean")
    throw new ValidationError([{ path: "fresh", message: "must be a boolean" }]);
  if (fresh && rest.sessionId !== undefined)
    throw new ValidationError([
      { path: "fresh", message: "starts a new session; it cannot be combined with sessionId" },
    ]);
  return { body: rest, fresh };
}

/** The newest run of the same service and task that recorded a Claude session. */
export async function lastSessionOf(
  runStore: RunStore,
  service: string,
  taskId: number,
): Promise<{ runId: string; sessionId: string } | undefined> {
  let cursor: string | undefined;
  for (let seen = 0; seen < SEARCH_LIMIT; seen += PAGE) {
    const page = await runStore.list({ kind: "code", limit: PAGE, cursor });
    const hit = page.runs.find(
      (run: RunRecord) =>
        run.request.kind === "code" &&
        run.request.service === service &&
        run.request.taskId === taskId &&
        run.result?.sessionId !== undefined &&
        /^[A-Za-z0-9-]{1,100}$/.test(run.result.sessionId),
    );
    if (hit?.result?.sessionId) return { runId: hit.id, sessionId: hit.result.sessionId };
    if (!page.nextCursor) return undefined;
    cursor = page.nextCursor;
  }
  return undefined;
}

/**
 * A follow-up code run continues the task's last session, as the original product did (`claude
 * --resume <id>`): unless the request picks a session itself or asks for a fresh start, the session id
 * recorded on the newest run of the same service and task is set on the request. Returns the request
 * and a note for the run's first timeline entry.
 */
export async function continueLastSession(
  runStore: RunStore,
  request: RunRequest,
  options: { fresh: boolean },
): Promise<{ request: RunRequest; note: string }> {
  if (request.kind !== "code" || options.fresh)
    return { request, note: options.fresh ? "; fresh session" : "" };
  if (request.sessionId) {
    return { request: { ...request, continueSession: true }, note: `; resumes session ${request.sessionId}` };
  }
  const last = await lastSessionOf(runStore, request.service, request.taskId);
  if (!last) return { request, note: "" };
  return {
    request: { ...request, continueSession: true, sessionId: last.sessionId },
    note: `; resumes session ${last.sessionId} of ${last.runId}`,
  };
}
