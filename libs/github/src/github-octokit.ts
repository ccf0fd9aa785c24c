import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";

/**
 * The one Octokit class the orchestrator talks to GitHub with: `@octokit/core` plus GitHub's documented
 * rate-limit behaviour (`plugin-throttling`: writes spaced out, primary and secondary limits honoured
 * with `Retry-After`) and retries of transient 5xx answers (`plugin-retry`).
 */
export const GithubOctokit = Octokit.plugin(throttling, retry);
export type GithubOctokit = InstanceType<typeof GithubOctokit>;
