import { RequestError } from "@octokit/request-error";

/** The HTTP status of a failed GitHub call (0: no answer at all), or undefined for other errors. */
export function githubStatus(err: unknown): number | undefined {
  if (err instanceof RequestError) return err.status === 500 && !err.response ? 0 : err.status;
  return undefined;
}

/**
 * How long to wait before calling again when GitHub refused a call for rate limiting (a 429, or a
 * 403 with `Retry-After`, an exhausted primary limit or a "secondary rate limit" message), in ms;
 * undefined when the error is not a rate limit (a plain 403 is a permission problem).
 */
export function rateLimitDelayMs(err: unknown, now: number = Date.now()): number | undefined {
  if (!(err instanceof RequestError) || (err.status !== 403 && err.status !== 429)) return undefined;
  const headers = err.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  if (headers["x-ratelimit-remaining"] === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    return Number.isFinite(reset) && reset > 0 ? Math.max(1000, reset * 1000 - now) : 60_000;
  }
  if (/secondary rate/i.test(err.message)) return 60_000;
  return err.status === 429 ? 60_000 : undefined;
}

/** 5xx and connection problems may pass; 4xx will not without someone changing something. */
export function isTransientGithubError(err: unknown): boolean {
  const status = githubStatus(err);
  return status === undefined || status === 0 || status >= 500;
}
