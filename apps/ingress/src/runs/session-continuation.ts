import type { RunRequest } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import { ValidationError } from "../errors/http-error.js";

/** Instructions to ingress in an API body that are not part of the run request. */
export interface IngressFlags {
  /** start Claude without resuming the task's last session */
  fresh: boolean;
  /** accept a model id that is not in the known list */
  allowUnknownModel: boolean;
}

/**
 * Takes `fresh` and `allowUnknownModel` out of an API body.
 * @throws ValidationError when one is not a boolean, or `fresh` is combined with `sessionId`
 */
export function takeIngressFlags(body: unknown): { body: unknown } & IngressFlags {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { body, fresh: false, allowUnknownModel: false };
  const { fresh = false, allowUnknownModel = false, ...rest } = body as Record<string, unknown>;
  const problems = Object.entries({ fresh, allowUnknownModel })
    .filter(([, value]) => typeof value !== "boolean")
    .map(([path]) => ({ path, message: "must be a boolean" }));
  if (fresh === true && rest.sessionId !== undefined)
    problems.push({ path: "fresh", message: "starts a new session; it cannot be combined with sessionId" });
  if (problems.length > 0) throw new ValidationError(problems);
  return { body: rest, fresh: fresh === true, allowUnknownModel: allowUnknownModel === true };
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
  // a retried request (same Idempotency-Key) continues as its first attempt did, so the body the
  // caller sent is compared with the stored run's rather than a session found since
  // both reads at once: a retried request is rare, and the session lookup is one key read
  const [earlier, last] = await Promise.all([
    runStore.findByIdempotencyKey(request.idempotencyKey),
    runStore.lastSession(request.service, request.taskId),
  ]);
  if (earlier) {
    const prior = earlier.request.kind === "code" ? earlier.request : undefined;
    if (!prior?.sessionId) return { request, note: "" };
    const { continueSession, sessionId } = prior;
    return { request: { ...request, continueSession, sessionId }, note: `; resumes session ${sessionId}` };
  }
  if (!last) return { request, note: "" };
  return {
    request: { ...request, continueSession: true, sessionId: last.sessionId },
    note: `; resumes session ${last.sessionId} of ${last.runId}`,
  };
}
