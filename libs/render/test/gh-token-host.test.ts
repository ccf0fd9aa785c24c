import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultTemplatesDir, shellQuote } from "../src/index.js";
import { makeTempDir } from "./support/git-fixtures.js";
import { runBash, TEST_TOKEN } from "./support/script-harness.js";

/** The library the PR hooks include (agent-common holds no template expressions: its source is the rendered text). */
const COMMON = readFileSync(join(defaultTemplatesDir(), "partials", "agent-common.sh.hbs"), "utf8");

/** Runs `orch_gh pr list` for a repository URL with a `gh` that prints the environment it was given. */
async function ghEnvFor(repositoryUrl: string, extraEnv: Record<string, string> = {}) {
  const dir = makeTempDir("gh-host");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "gh"), "#!/bin/sh\nenv | sort\n");
  chmodSync(join(bin, "gh"), 0o755);
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, TEST_TOKEN);
  const script = join(dir, "run.sh");
  writeFileSync(
    script,
    [
      "set -Eeuo pipefail",
      `REPOSITORY_URL=${shellQuote(repositoryUrl)}`,
      "ALLOWED_GIT_HOSTS='github.com ghe.acme.example'",
      `GITHUB_TOKEN_FILE=${shellQuote(tokenFile)}`,
      COMMON,
      "orch_gh pr list",
    ].join("\n"),
  );
  const run = await runBash([script], { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ...extraEnv }, dir);
  expect(run.status, run.stderr).toBe(0);
  const env = Object.fromEntries(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { env, stderr: run.stderr };
}

describe("gh gets a token only for an allowed host, in a clean environment", () => {
  it.each([
    ["git@github.com:acme/app.git", "github.com"],
    ["https://GHE.acme.example/acme/app.git", "ghe.acme.example"],
  ])("%s: GH_HOST %s with the token", async (url, host) => {
    const { env } = await ghEnvFor(url, { GIT_CONFIG_COUNT: "1", LD_PRELOAD: "", SECRET_OF_AGENT: "x" });
    expect(env["GH_HOST"]).toBe(host);
    expect(env["GH_TOKEN"]).toBe(TEST_TOKEN);
    expect(env["GH_ENTERPRISE_TOKEN"]).toBe(TEST_TOKEN);
    // nothing else of the caller's environment
    expect(
      Object.keys(env).filter(
        (k) => k.startsWith("GIT_CONFIG_C") || k === "LD_PRELOAD" || k === "SECRET_OF_AGENT",
      ),
    ).toEqual([]);
  });

  it("runs gh without a token for a host that is not allowed, and says so", async () => {
    const { env, stderr } = await ghEnvFor("https://evil.example/acme/app.git");
    expect(env["GH_HOST"]).toBe("evil.example");
    expect(env["GH_TOKEN"]).toBeUndefined();
    expect(env["GH_ENTERPRISE_TOKEN"]).toBeUndefined();
    expect(stderr).toContain("gh: evil.example is not in ALLOWED_GIT_HOSTS (github.com ghe.acme.example)");
  });
});
