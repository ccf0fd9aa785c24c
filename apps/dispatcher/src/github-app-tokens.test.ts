import { generateKeyPairSync } from "node:crypto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadDispatcherConfig } from "./dispatcher-config.js";
import { githubAppTokens } from "./github-app-tokens.js";

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();
const log = pino({ level: "silent" });

describe("GitHub App run tokens of the dispatcher", () => {
  it("mints per-run tokens only with an App configured and GITHUB_APP_RUN_TOKENS on", () => {
    expect(githubAppTokens(loadDispatcherConfig({}), log)).toBeUndefined();
    // a PAT is not an App: agents keep github-pat-<user>
    expect(githubAppTokens(loadDispatcherConfig({ GITHUB_TOKEN: "ghp_x" }), log)).toBeUndefined();
    const app = { GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: privateKey };
    expect(
      githubAppTokens(loadDispatcherConfig({ ...app, GITHUB_APP_RUN_TOKENS: "false" }), log),
    ).toBeUndefined();
    expect(githubAppTokens(loadDispatcherConfig(app), log)?.gitHost).toBe("github.com");
    const ghes = loadDispatcherConfig({ ...app, GITHUB_API_URL: "https://ghe.example.com/api/v3" });
    expect(githubAppTokens(ghes, log)?.gitHost).toBe("ghe.example.com");
    const host = loadDispatcherConfig({ ...app, GITHUB_GIT_HOST: "git.example.com" });
    expect(githubAppTokens(host, log)?.gitHost).toBe("git.example.com");
  });

  it("refuses an App id without its key, naming the variable", () => {
    expect(() => loadDispatcherConfig({ GITHUB_APP_ID: "42" })).toThrow(/GITHUB_APP_PRIVATE_KEY/);
  });
});
