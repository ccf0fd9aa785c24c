import {
  createGithubClient,
  type GithubClient as Github,
  type GithubClientOptions,
  type GithubOctokit,
  type GithubTarget,
  githubStatus,
  ownerRepo,
  rateLimitDelayMs,
} from "@orchestrator/github";
import { GithubApiError } from "./github-api-error.js";
import { GithubRateLimitError } from "./github-rate-limit-error.js";

export type { GithubTarget } from "@orchestrator/github";

export interface IssueComment {
  id: number;
  body?: string | undefined;
}

/**
 * The few GitHub calls the watcher makes, through the shared octokit client (`@orchestrator/github`:
 * App installation tokens, throttling, retries). Errors come out as `GithubRateLimitError` (wait, then
 * try again) or `GithubApiError` (with the status), and after a rate limit no call is made until it
 * has passed, so the background sync never hammers a limited API.
 */
export class GithubClient {
  private pausedUntil = 0;

  constructor(
    private readonly github: Github,
    private readonly now: () => number = Date.now,
  ) {}

  async createIssueComment(target: GithubTarget, issue: number, body: string): Promise<IssueComment> {
    return this.call(target, async (o) => {
      const { owner, repo } = ownerRepo(target.repository);
      const params = { owner, repo, issue_number: issue, body };
      return (await o.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", params)).data;
    }).then(toComment);
  }

  async updateIssueComment(target: GithubTarget, commentId: number, body: string): Promise<IssueComment> {
    return this.call(target, async (o) => {
      const params = { ...ownerRepo(target.repository), comment_id: commentId, body };
      return (await o.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", params)).data;
    }).then(toComment);
  }

  /** Comments on an issue created or updated since `since` (ISO time), oldest first, up to 300. */
  async listIssueComments(target: GithubTarget, issue: number, since: string): Promise<IssueComment[]> {
    const all: IssueComment[] = [];
    for (let page = 1; page <= 3; page++) {
      const batch = await this.call(target, async (o) => {
        const params = { ...ownerRepo(target.repository), issue_number: issue, since, per_page: 100, page };
        return (await o.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", params)).data;
      });
      all.push(...batch.map(toComment));
      if (batch.length < 100) break;
    }
    return all;
  }

  private async call<T>(target: GithubTarget, call: (octokit: GithubOctokit) => Promise<T>): Promise<T> {
    const wait = this.pausedUntil - this.now();
    if (wait > 0) throw new GithubRateLimitError(wait);
    try {
      return await this.github.withRepository(target, call);
    } catch (err) {
      const retryAfter = rateLimitDelayMs(err, this.now());
      if (retryAfter !== undefined) {
        this.pausedUntil = this.now() + retryAfter;
        throw new GithubRateLimitError(retryAfter, { cause: err });
      }
      const status = githubStatus(err) ?? 0;
      throw new GithubApiError(
        status,
        `GitHub call for ${target.repository} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

const toComment = (c: { id: number | bigint; body?: string | undefined }): IssueComment => ({
  id: Number(c.id),
  body: c.body,
});

/**
 * A watcher client over a new shared octokit client. Rate limits asking for more than 10 s fail the
 * call instead of holding it (the sync loop retries later without blocking other runs).
 */
export function watcherGithubClient(options: Omit<GithubClientOptions, "userAgent">): GithubClient {
  return new GithubClient(
    createGithubClient({ maxInlineWaitMs: 10_000, ...options, userAgent: "orchestrator-watcher" }),
  );
}
