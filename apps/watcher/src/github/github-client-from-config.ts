import { githubAuthFromEnv } from "@orchestrator/github";
import type { WatcherConfig } from "../config.js";
import { type GithubClient, watcherGithubClient } from "./github-client.js";

/** A GitHub client from the GitHub App settings or GITHUB_TOKEN, or undefined when comments are off. */
export function githubClientFromConfig(config: WatcherConfig): GithubClient | undefined {
  if (!config.GITHUB_COMMENTS) return undefined;
  const auth = githubAuthFromEnv(config);
  return auth ? watcherGithubClient({ apiUrl: config.GITHUB_API_URL, auth }) : undefined;
}
