/** GitHub refused a call for rate limiting (primary or secondary); try again after `retryAfterMs`. */
export class GithubRateLimitError extends Error {
  override readonly name = "GithubRateLimitError";
  constructor(
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`GitHub rate limit: retry in ${Math.ceil(retryAfterMs / 1000)}s`, options);
  }
}
