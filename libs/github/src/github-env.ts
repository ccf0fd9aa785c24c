import { z } from "zod";

/**
 * The GitHub credentials every service that calls GitHub reads, with the same names everywhere.
 * A GitHub App (recommended) wins over GITHUB_TOKEN.
 */
export const githubCredentialsEnv = {
  /** Personal access token (PAT mode; a GitHub App below is recommended instead). */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** GitHub App id, with GITHUB_APP_PRIVATE_KEY(_FILE): calls are made as the App installation. */
  GITHUB_APP_ID: z.string().regex(/^\d+$/, "must be the numeric App id").optional(),
  /** PEM private key of the GitHub App. */
  GITHUB_APP_PRIVATE_KEY: z.string().min(1).optional(),
  /** File holding the PEM private key of the GitHub App. */
  GITHUB_APP_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  /** GitHub REST API base URL (GitHub Enterprise Server: https://<host>/api/v3). */
  GITHUB_API_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ""))
    .default("https://api.github.com"),
};

/** For a `superRefine`: an App id needs its private key. */
export function checkGithubCredentials(
  config: {
    GITHUB_APP_ID?: string | undefined;
    GITHUB_APP_PRIVATE_KEY?: string | undefined;
    GITHUB_APP_PRIVATE_KEY_FILE?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (config.GITHUB_APP_ID && !config.GITHUB_APP_PRIVATE_KEY && !config.GITHUB_APP_PRIVATE_KEY_FILE) {
    ctx.addIssue({
      code: "custom",
      path: ["GITHUB_APP_PRIVATE_KEY"],
      message: "GITHUB_APP_ID is set: set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE too",
    });
  }
}
