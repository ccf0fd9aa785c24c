import {
  createGithubClient,
  createRunTokenMinter,
  githubAuthFromEnv,
  type RunTokenMinter,
} from "@orchestrator/github";
import type { Logger } from "pino";
import type { DispatcherConfig } from "./dispatcher-config.js";

/**
 * GitHub App mode: the minter of per-run installation tokens, or undefined when no App is configured
 * (or GITHUB_APP_RUN_TOKENS=false) and agents use the per-user github-pat-<user> / github-ssh-<user>.
 */
export function githubAppTokens(
  config: Pick<
    DispatcherConfig,
    | "GITHUB_APP_ID"
    | "GITHUB_APP_PRIVATE_KEY"
    | "GITHUB_APP_PRIVATE_KEY_FILE"
    | "GITHUB_API_URL"
    | "GITHUB_APP_RUN_TOKENS"
    | "GITHUB_GIT_HOST"
  >,
  log: Logger,
): RunTokenMinter | undefined {
  if (!config.GITHUB_APP_ID || !config.GITHUB_APP_RUN_TOKENS) return undefined;
  const auth = githubAuthFromEnv({ ...config, GITHUB_TOKEN: undefined });
  if (!auth) return undefined;
  const client = createGithubClient({
    apiUrl: config.GITHUB_API_URL,
    auth,
    userAgent: "orchestrator-dispatcher",
    log: log.child({ component: "github" }),
  });
  return createRunTokenMinter(client, config.GITHUB_API_URL, config.GITHUB_GIT_HOST);
}
