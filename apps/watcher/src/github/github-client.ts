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

/** What a check run shows: state, the run's summary, a link to it, and a Re-run button once it failed. */
export interface CheckRunBody {
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "cancelled";
  details_url?: string;
  output: { title: string; summary: string };
  actions?: { label: string; description: string; identifier: string }[];
}

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

  /** the App itself (JWT) in App mode, for `/app/*` endpoints */
  get app(): GithubOctokit | undefined {
    return this.github.app;
  }

  /** GitHub lets only Apps create Check Runs (a token gets 403). */
  get canCreateCheckRuns(): boolean {
    return this.github.mode === "app";
  }

  /** The head commit of a pull request. */
  async pullRequestHeadSha(target: GithubTarget, pull: number): Promise<string> {
    return this.call(target, async (o) => {
      const params = { ...ownerRepo(target.repository), pull_number: pull };
      return (await o.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", params)).data.head.sha;
    });
  }

  async createCheckRun(target: GithubTarget, body: CheckRunBody & { head_sha: string; external_id: string }) {
    return this.call(target, async (o) => {
      const params = { ...ownerRepo(target.repository), ...body };
      return { id: Number((await o.request("POST /repos/{owner}/{repo}/check-runs", params)).data.id) };
    });
  }

  async updateCheckRun(target: GithubTarget, checkRunId: number, body: CheckRunBody): Promise<void> {
    await this.call(target, async (o) => {
      const params = { ...ownerRepo(target.repository), check_run_id: checkRunId, ...body };
      await o.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", params);
    });
  }

  /** The check run with this external id on a commit, if one exists (found again after a crash). */
  async findCheckRun(target: GithubTarget, sha: string, name: string, externalId: string) {
    return this.call(target, async (o) => {
      const params = { ...ownerRepo(target.repository), ref: sha, check_name: name, per_page: 100 };
      const { data } = await o.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", params);
      const found = data.check_runs.find((r) => r.external_id === externalId);
      return found ? { id: Number(found.id) } : undefined;
    });
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
