import { readFileSync } from "node:fs";
import type { WatcherConfig } from "../config.js";
import { createGithubAppTokenProvider } from "./github-app-auth.js";
import { GithubClient, staticToken, type TokenProvider } from "./github-client.js";

/** A GitHub client from GITHUB_TOKEN or the GitHub App settings, or undefined when comments are off. */
export function githubClientFromConfig(config: WatcherConfig): GithubClient | undefined {
  if (!config.GITHUB_COMMENTS) return undefined;
  let token: TokenProvider | undefined;
  if (config.GITHUB_APP_ID) {
    const privateKeyPem =
      config.GITHUB_APP_PRIVATE_KEY ?? readFileSync(config.GITHUB_APP_PRIVATE_KEY_FILE as string, "utf8");
    token = createGithubAppTokenProvider({
      appId: config.GITHUB_APP_ID,
      privateKeyPem,
      apiUrl: config.GITHUB_API_URL,
    });
  } else if (config.GITHUB_TOKEN) {
    token = staticToken(config.GITHUB_TOKEN);
  }
  return token ? new GithubClient({ apiUrl: config.GITHUB_API_URL, token }) : undefined;
}
