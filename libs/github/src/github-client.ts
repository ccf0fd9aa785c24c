import { createAppAuth } from "@octokit/auth-app";
import Bottleneck from "bottleneck";
import { githubStatus } from "./github-errors.js";
import { GithubOctokit } from "./github-octokit.js";
import { type GithubTarget, ownerRepo } from "./github-target.js";

/** A personal access token, or a GitHub App (recommended) whose installation tokens are used. */
export type GithubAuth = { token: string } | { appId: string; privateKey: string };

export interface GithubLog {
  warn(obj: object, msg: string): void;
}

export interface GithubClientOptions {
  /** REST base URL (`https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server) */
  apiUrl: string;
  auth: GithubAuth;
  userAgent: string;
  log?: GithubLog;
  /** rate limits asking for a longer wait than this fail the call instead of waiting in it, ms. @defaultValue 60000 */
  maxInlineWaitMs?: number;
  /** unit of the retry back-off (1, 4, 9 × this) and of `Retry-After` seconds, ms; tests shrink it. @defaultValue 1000 */
  retryBaseMs?: number;
  /**
   * spacing of writes (POST/PATCH/PUT/DELETE), GitHub's guidance is 1 s, and 3× that for writes that
   * notify people (comments); tests shrink it, ms. @defaultValue 1000
   */
  writeIntervalMs?: number;
  /** retries of a 5xx answer or a lost connection. @defaultValue 3 */
  retries?: number;
  /** per-request timeout, ms. @defaultValue 15000 */
  timeoutMs?: number;
}

/** Authenticated Octokit clients for the repositories the orchestrator works on. */
export interface GithubClient {
  readonly mode: "app" | "token";
  /** a client acting for the target: the App installation of its repository, or the token */
  forRepository(target: GithubTarget): Promise<GithubOctokit>;
  /**
   * Runs `call` with the target's client. A 401 or 404 drops what was remembered about the
   * repository's installation (uninstalled, moved, token revoked), so the next call looks it up again.
   */
  withRepository<T>(target: GithubTarget, call: (octokit: GithubOctokit) => Promise<T>): Promise<T>;
  /** the App itself (JWT), for `/app/*` endpoints; undefined in token mode */
  readonly app: GithubOctokit | undefined;
}

/**
 * The one GitHub client factory. In App mode installation tokens are minted, cached and refreshed by
 * `@octokit/auth-app` (one mint per installation even under concurrent misses); the installation of a
 * repository comes from the webhook or is looked up once (concurrent lookups share one request).
 */
export function createGithubClient(options: GithubClientOptions): GithubClient {
  const baseUrl = options.apiUrl.replace(/\/+$/, "");
  const maxInlineWaitS = (options.maxInlineWaitMs ?? 60_000) / 1000;
  const base = options.retryBaseMs ?? 1000;
  const writeMs = options.writeIntervalMs ?? 1000;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const retrying = retryCount < 2 && retryAfter <= maxInlineWaitS;
      options.log?.warn(
        { method: request.method, url: request.url, retryAfter, retrying },
        `GitHub ${kind} rate limit`,
      );
      return retrying;
    };
  const common = {
    baseUrl,
    userAgent: options.userAgent,
    request: { timeout: options.timeoutMs ?? 15_000 },
    // 429 is a rate limit: the throttling plugin (or the caller, for long waits) handles it
    retry: {
      retryAfterBaseValue: base,
      retries: options.retries ?? 3,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      retryAfterBaseValue: base,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeMs }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * writeMs }),
      onRateLimit: onLimit("primary"),
      onSecondaryRateLimit: onLimit("secondary"),
    },
  };
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

  if ("token" in options.auth) {
    const octokit = new GithubOctokit({ ...common, log, auth: options.auth.token });
    return {
      mode: "token",
      app: undefined,
      forRepository: async () => octokit,
      withRepository: (_target, call) => call(octokit),
    };
  }

  const { appId, privateKey } = options.auth;
  const app = new GithubOctokit({ ...common, log, authStrategy: createAppAuth, auth: { appId, privateKey } });
  const installations = new Map<string, Promise<number>>();
  const clients = new Map<number, GithubOctokit>();

  const installationOf = (target: GithubTarget): Promise<number> => {
    if (target.installationId !== undefined) return Promise.resolve(target.installationId);
    const key = target.repository.toLowerCase();
    let found = installations.get(key);
    if (!found) {
      found = app
        .request("GET /repos/{owner}/{repo}/installation", ownerRepo(target.repository))
        .then((r) => r.data.id);
      found.catch(() => installations.delete(key));
      installations.set(key, found);
    }
    return found;
  };
  const clientFor = (installationId: number): GithubOctokit => {
    let client = clients.get(installationId);
    if (!client) {
      client = new GithubOctokit({
        ...common,
        log,
        authStrategy: createAppAuth,
        auth: { appId, privateKey, installationId },
      });
      clients.set(installationId, client);
    }
    return client;
  };
  return {
    mode: "app",
    app,
    forRepository: async (target) => clientFor(await installationOf(target)),
    async withRepository(target, call) {
      const installationId = await installationOf(target);
      try {
        return await call(clientFor(installationId));
      } catch (err) {
        const status = githubStatus(err);
        if (status === 401 || status === 404) installations.delete(target.repository.toLowerCase());
        if (status === 401) clients.delete(installationId);
        throw err;
      }
    },
  };
}
