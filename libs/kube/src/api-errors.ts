import { ApiException } from "@kubernetes/client-node";
import { parseRetryAfter } from "@orchestrator/contracts";

/** HTTP status of a Kubernetes API error, or undefined for non-API errors (connection refused, …). */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** The `message` of the API's Status object, falling back to the error message. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    if (typeof body === "string") {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return parsed.message;
      } catch {
        return body.slice(0, 500) || `HTTP ${err.code}`;
      }
    } else if (body && typeof body === "object" && "message" in body) {
      return String((body as { message: unknown }).message);
    }
    return `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Whether an error is worth retrying: 5xx, 429, conflicts on update, and connection errors. */
export function isTransientKubeError(err: unknown): boolean {
  const status = apiStatus(err);
  if (status === undefined) return true;
  return status >= 500 || status === 429;
}

/** Retry-After of a 429/503 answer, in ms, if the server sent one. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const headers = err.headers as Record<string, string> | undefined;
  return parseRetryAfter(headers?.["retry-after"] ?? headers?.["Retry-After"]);
}
