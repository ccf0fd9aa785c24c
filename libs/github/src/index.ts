export { type GithubEnv, githubAuthFromEnv } from "./github-auth-from-env.js";
export {
  createGithubClient,
  type GithubAuth,
  type GithubClient,
  type GithubClientOptions,
  type GithubLog,
} from "./github-client.js";
export { checkGithubCredentials, githubCredentialsEnv } from "./github-env.js";
export { githubStatus, isTransientGithubError, rateLimitDelayMs } from "./github-errors.js";
export { GithubOctokit } from "./github-octokit.js";
export { type GithubTarget, ownerRepo } from "./github-target.js";
export {
  createRunTokenMinter,
  gitHostOfApi,
  type MintedRunToken,
  RUN_TOKEN_PERMISSIONS,
  RunTokenError,
  type RunTokenMinter,
} from "./run-token.js";
