/** A GitHub REST call answered with an error status (other than a rate limit). */
export class GithubApiError extends Error {
  override readonly name = "GithubApiError";
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** 5xx and connection problems may pass; 4xx will not without someone changing something. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}
