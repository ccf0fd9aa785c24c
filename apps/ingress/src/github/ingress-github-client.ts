import {
  createGithubClient,
  type GithubClient,
  type GithubClientOptions,
  githubAuthFromEnv,
} from "@orchestrator/github";
import type { IngressConfig } from "../config.js";

/**
 * The ingress's GitHub client, when it has credentials. Its calls happen while GitHub waits for the
 * webhook's answer (10 s), so they are short: a 5 s timeout, one retry, and no waiting out rate limits.
 */
export function ingressGithubClient(
  config: IngressConfig,
  overrides: Partial<GithubClientOptions> = {},
): GithubClient | undefined {
  const auth = githubAuthFromEnv(config);
  if (!auth) return undefined;
  return createGithubClient({
    apiUrl: config.GITHUB_API_URL,
    auth,
    userAgent: "orchestrator-ingress",
    timeoutMs: 5000,
    retries: 1,
    maxInlineWaitMs: 0,
    ...overrides,
  });
}
