import { readFileSync } from "node:fs";
import type { GithubAuth } from "./github-client.js";

/** The GitHub settings a service reads from its environment (same names everywhere). */
export interface GithubEnv {
  GITHUB_TOKEN?: string | undefined;
  GITHUB_APP_ID?: string | undefined;
  GITHUB_APP_PRIVATE_KEY?: string | undefined;
  GITHUB_APP_PRIVATE_KEY_FILE?: string | undefined;
}

/** App credentials win over a token; undefined when neither is configured. */
export function githubAuthFromEnv(env: GithubEnv): GithubAuth | undefined {
  if (env.GITHUB_APP_ID) {
    const privateKey =
      env.GITHUB_APP_PRIVATE_KEY ?? readFileSync(env.GITHUB_APP_PRIVATE_KEY_FILE as string, "utf8");
    return { appId: env.GITHUB_APP_ID, privateKey };
  }
  return env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : undefined;
}
