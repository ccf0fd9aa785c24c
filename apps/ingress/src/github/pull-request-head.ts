import { type GithubClient, githubStatus, ownerRepo } from "@orchestrator/github";
import { HttpError } from "../errors/http-error.js";
import type { Ignore } from "../triggers/ignore.js";
import type { GithubContext } from "./github-payload.js";

/**
 * An `issue_comment` on a pull request does not carry the pull request's branch (only `pull_request*`
 * events do), so a docs run asked that way looks it up: `GET /repos/{owner}/{repo}/pulls/{number}`
 * with the ingress's GitHub credentials. Without credentials the request is refused with the reason,
 * rather than silently generating docs from the default branch. A failed lookup fails the delivery
 * (502), so GitHub records it as failed and it can be redelivered.
 */
export async function withPullRequestHead(
  context: GithubContext,
  github: GithubClient | undefined,
): Promise<GithubContext | { ignore: Ignore }> {
  if (!context.isPullRequest || context.head) return context;
  if (!github) {
    return {
      ignore: {
        reason: "pull_request_head_unknown",
        message:
          `docs for pull request #${context.number} are generated on its branch, which this event does not name: ` +
          "give the ingress GitHub credentials (GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN) to look it up",
      },
    };
  }
  const target = { repository: context.repository.full_name, installationId: context.installationId };
  try {
    const { data } = await github.withRepository(target, (o) =>
      o.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        ...ownerRepo(target.repository),
        pull_number: context.number,
      }),
    );
    return { ...context, head: { ref: data.head.ref, repository: data.head.repo?.full_name ?? null } };
  } catch (err) {
    const status = githubStatus(err);
    throw new HttpError(
      502,
      `could not look up the branch of pull request #${context.number} on GitHub` +
        `${status ? ` (GitHub answered ${status})` : ""}; redeliver the webhook once GitHub is reachable`,
    );
  }
}
