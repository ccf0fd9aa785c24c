import { describe, expect, it } from "vitest";
import {
  CONTROL_CHAR_RE,
  parseAllowedGitHosts,
  repositoryHost,
  requestEnvNameProblem,
  secretLookingValue,
} from "./env-policy.js";

describe("request env names", () => {
  it.each([
    "BASH_ENV",
    "SHELLOPTS",
    "PS4",
    "PATH",
    "LD_PRELOAD",
    "GIT_CONFIG_COUNT",
    "NODE_OPTIONS",
    "PYTHONPATH",
    "HTTPS_PROXY",
    "ANTHROPIC_API_KEY",
    "CLAUDE_CONFIG_DIR",
    "ORCH_RUN_ID",
    "SSH_AUTH_SOCK",
  ])("refuses %s", (name) => expect(requestEnvNameProblem(name)).toMatch(/reserved/));
  it.each(["lower", "1ABC", "A-B", `A${"B".repeat(64)}`])("refuses the malformed name %s", (name) =>
    expect(requestEnvNameProblem(name)).toMatch(/must match/),
  );
  it.each(["FEATURE_FLAG", "LOG_LEVEL", "DATABASE_NAME"])("accepts %s", (name) =>
    expect(requestEnvNameProblem(name)).toBeUndefined(),
  );
});

describe("secret-looking values", () => {
  it.each([
    ["ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "GitHub token"],
    ["token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "Anthropic API key"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----\nabc", "private key"],
    ["AKIAIOSFODNN7EXAMPLE", "AWS access key id"],
  ])("finds %s", (value, kind) => expect(secretLookingValue(value)).toBe(kind));
  it("leaves ordinary text alone", () =>
    expect(secretLookingValue("fix the flaky test in ghp-tools")).toBeUndefined());
  it("finds control characters", () => {
    expect(CONTROL_CHAR_RE.test("a\u0000b")).toBe(true);
    expect(CONTROL_CHAR_RE.test("line\nnext\ttab")).toBe(false);
  });
});

describe("ALLOWED_GIT_HOSTS", () => {
  it("defaults to github.com", () => expect(parseAllowedGitHosts(undefined)).toEqual(["github.com"]));
  it("reads a list", () =>
    expect(parseAllowedGitHosts("github.com, GHE.acme.io")).toEqual(["github.com", "ghe.acme.io"]));
  it("names a bad entry", () =>
    expect(() => parseAllowedGitHosts("https://x.io")).toThrow(/https:\/\/x\.io/));
  it("finds the host of every URL form", () => {
    expect(repositoryHost("git@GitHub.com:a/b.git")).toBe("github.com");
    expect(repositoryHost("ssh://git@ghe.acme.io:2222/a/b")).toBe("ghe.acme.io");
    expect(repositoryHost("https://evil.example/a/b.git")).toBe("evil.example");
  });
});
