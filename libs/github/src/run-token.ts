import type { GithubClient } from "./github-client.js";
import { githubStatus, isTransientGithubError, rateLimitDelayMs } from "./github-errors.js";
import { ownerRepo } from "./github-target.js";

/**
 * What an agent needs and nothing more: push branches (contents), open the pull request
 * (pull_requests), comment on the issue (issues).
 */
export const RUN_TOKEN_PERMISSIONS = {
  contents: "write",
  pull_requests: "write",
  issues: "write",
} as const;

/** A short-lived installation token for one run. */
export interface MintedRunToken {
  token: string;
  /** ISO time GitHub lets it expire (one hour after minting) */
  expiresAt: string;
}

/** Why a run token could not be minted; `permanent` when retrying cannot help (App not installed, …). */
export class RunTokenError extends Error {
  override readonly name = "RunTokenError";
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Mints per-run installation tokens of a GitHub App (the recommended mode). */
export interface RunTokenMinter {
  /** host of the App's git remotes: github.com, or the GitHub Enterprise Server host */
  readonly gitHost: string;
  /**
   * A fresh installation token limited to the repositories (`owner/name`, one owner) and to
   * RUN_TOKEN_PERMISSIONS. The token is never logged; error messages name only the repositories.
   * @throws RunTokenError
   */
  mint(repositories: readonly string[]): Promise<MintedRunToken>;
}

/** The git host of a REST base URL: api.github.com → github.com, https://ghe.example/api/v3 → ghe.example. */
export function gitHostOfApi(apiUrl: string): string {
  const host = new URL(apiUrl).hostname.toLowerCase();
  return host === "api.github.com" ? "github.com" : host;
}

/**
 * The run-token minter of an App-mode client; undefined for a token-mode client (PAT mode: agents use
 * the per-user secrets). `gitHost` defaults to the API URL's (GITHUB_GIT_HOST overrides it).
 */
export function createRunTokenMinter(
  client: GithubClient,
  apiUrl: string,
  gitHost?: string,
): RunTokenMinter | undefined {
  const app = client.app;
  if (client.mode !== "app" || !app) return undefined;
  return {
    gitHost: (gitHost ?? gitHostOfApi(apiUrl)).toLowerCase(),
    async mint(repositories) {
      const [first] = repositories;
      if (!first) throw new RunTokenError("a run token needs at least one repository", true);
      const owners = new Set(repositories.map((r) => ownerRepo(r).owner.toLowerCase()));
      if (owners.size > 1)
        throw new RunTokenError(
          `one token cannot cover repositories of several owners: ${repositories.join(", ")}`,
          true,
        );
      try {
        // withRepository: a 404 (App uninstalled or moved) drops the remembered installation
        const auth = (await client.withRepository({ repository: first }, (installation) =>
          installation.auth({
            type: "installation",
            // refresh: every run gets its own token with GitHub's full lifetime, never a cached one
            refresh: true,
            repositoryNames: repositories.map((r) => ownerRepo(r).repo),
            permissions: RUN_TOKEN_PERMISSIONS,
          }),
        )) as { token: string; expiresAt: string };
        return { token: auth.token, expiresAt: auth.expiresAt };
      } catch (err) {
        const status = githubStatus(err);
        const transient = isTransientGithubError(err) || rateLimitDelayMs(err) !== undefined;
        const hint =
          status === 404 || status === 422
            ? ` (is the GitHub App installed on ${repositories.join(", ")} with contents, pull requests and issues write access?)`
            : "";
        throw new RunTokenError(
          `minting a GitHub App token for ${repositories.join(", ")} failed${status ? ` (HTTP ${status})` : ""}${hint}`,
          !transient,
          { cause: err },
        );
      }
    },
  };
}
