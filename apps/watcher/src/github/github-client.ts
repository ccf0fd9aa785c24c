import { GithubApiError } from "./github-api-error.js";
import { GithubRateLimitError } from "./github-rate-limit-error.js";

/** The repository (`owner/name`) a call is for, and the App installation if the webhook named one. */
export interface GithubTarget {
  repository: string;
  installationId?: number | undefined;
}

/** Returns a token for the target: a fixed token, or a GitHub App installation token. */
export type TokenProvider = (target: GithubTarget) => Promise<string>;

export interface IssueComment {
  id: number;
  body: string;
}

export interface GithubClientOptions {
  /** REST base URL (`https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise) */
  apiUrl: string;
  token: TokenProvider;
  now?: () => number;
  /** @defaultValue 15000 */
  timeoutMs?: number;
}

/** The few GitHub REST calls the watcher makes, with plain `fetch`, honouring rate limits. */
export class GithubClient {
  private readonly apiUrl: string;
  private readonly now: () => number;
  private pausedUntil = 0;

  constructor(private readonly options: GithubClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.now = options.now ?? Date.now;
  }

  async createIssueComment(target: GithubTarget, issue: number, body: string): Promise<IssueComment> {
    return this.request<IssueComment>(
      target,
      "POST",
      `/repos/${target.repository}/issues/${issue}/comments`,
      { body },
    );
  }

  async updateIssueComment(target: GithubTarget, commentId: number, body: string): Promise<IssueComment> {
    return this.request<IssueComment>(
      target,
      "PATCH",
      `/repos/${target.repository}/issues/comments/${commentId}`,
      { body },
    );
  }

  /** Comments on an issue created or updated since `since` (ISO time), oldest first, up to 300. */
  async listIssueComments(target: GithubTarget, issue: number, since: string): Promise<IssueComment[]> {
    const all: IssueComment[] = [];
    for (let page = 1; page <= 3; page++) {
      const query = `since=${encodeURIComponent(since)}&per_page=100&page=${page}`;
      const batch = await this.request<IssueComment[]>(
        target,
        "GET",
        `/repos/${target.repository}/issues/${issue}/comments?${query}`,
      );
      all.push(...batch);
      if (batch.length < 100) break;
    }
    return all;
  }

  private async request<T>(target: GithubTarget, method: string, path: string, body?: unknown): Promise<T> {
    const wait = this.pausedUntil - this.now();
    if (wait > 0) throw new GithubRateLimitError(wait);
    const token = await this.options.token(target);
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          "user-agent": "orchestrator-watcher",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new GithubApiError(0, `GitHub ${method} ${path} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (response.ok) return (await response.json()) as T;
    const retryAfter = this.rateLimitDelay(response);
    await response.body?.cancel().catch(() => {});
    if (retryAfter !== undefined) {
      this.pausedUntil = this.now() + retryAfter;
      throw new GithubRateLimitError(retryAfter);
    }
    throw new GithubApiError(response.status, `GitHub ${method} ${path} answered ${response.status}`);
  }

  /** How long to wait for a rate-limited answer (429, or 403 with an exhausted or secondary limit). */
  private rateLimitDelay(response: Response): number | undefined {
    if (response.status !== 429 && response.status !== 403) return undefined;
    const retryAfter = Number(response.headers.get("retry-after"));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
    if (response.headers.get("x-ratelimit-remaining") === "0") {
      const reset = Number(response.headers.get("x-ratelimit-reset"));
      return Number.isFinite(reset) && reset > 0 ? Math.max(1000, reset * 1000 - this.now()) : 60_000;
    }
    // a 429 without headers is still a rate limit; a plain 403 is a permission problem
    return response.status === 429 ? 60_000 : undefined;
  }
}

/** A token provider for a fixed token (GITHUB_TOKEN). */
export function staticToken(token: string): TokenProvider {
  return async () => token;
}
