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
    "OPENSSL_CONF",
    "OPENSSL_MODULES",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "DOTNET_STARTUP_HOOKS",
    "CORECLR_PROFILER_PATH",
    "COMPLUS_DBGJITDEBUGLAUNCHSETTING",
    "RUSTC_WRAPPER",
    "RUSTFLAGS",
    "CARGO_HOME",
    "GOFLAGS",
    "GOPROXY",
    "SSLKEYLOGFILE",
    "XDG_CONFIG_HOME",
    "KUBECONFIG",
    "DOCKER_HOST",
    "PIP_INDEX_URL",
    "UV_INDEX_URL",
    "NPM_CONFIG_REGISTRY",
    "YARN_RC_FILENAME",
    "GLIBC_TUNABLES",
    "MALLOC_CONF",
    "LOCPATH",
    "NLSPATH",
    "BROWSER",
    "CURL_HOME",
    "NETRC",
    "WGETRC",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "TERMINFO",
    "INPUTRC",
    "HISTFILE",
    "TZDIR",
    "GCONV_PATH",
    "PERL5OPT",
    "RUBYOPT",
    "GEM_HOME",
    "BUNDLE_GEMFILE",
    "LUA_INIT",
    "TCLLIBPATH",
    "PS0",
    "PS3",
    "BASH_XTRACEFD",
    "LESSCLOSE",
    "GNUPGHOME",
    "AWS_ENDPOINT_URL",
  ])("refuses %s", (name) => expect(requestEnvNameProblem(name)).toMatch(/reserved/));
  it.each(["lower", "1ABC", "A-B", `A${"B".repeat(64)}`])("refuses the malformed name %s", (name) =>
    expect(requestEnvNameProblem(name)).toMatch(/must match/),
  );
  it.each([
    "FEATURE_FLAG",
    "LOG_LEVEL",
    "DATABASE_NAME",
    "TZ",
    "LANG",
    "RUST_LOG",
    "AWS_REGION",
    "GOOGLE_CLOUD_PROJECT",
  ])("accepts %s", (name) => expect(requestEnvNameProblem(name)).toBeUndefined());
});

describe("secret-looking values", () => {
  it.each([
    ["ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "GitHub token"],
    ["token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "Anthropic API key"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----\nabc", "private key"],
    ["AKIAIOSFODNN7EXAMPLE", "AWS access key id"],
    ["TOKEN_ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "GitHub token"],
    ["xghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "GitHub token"],
    ["KEY_AKIAIOSFODNN7EXAMPLE", "AWS access key id"],
    ["-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc", "private key"],
    [
      "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "JSON Web Token",
    ],
    [
      Buffer.from("x-access-token:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB").toString("base64"),
      "GitHub token (base64-encoded)",
    ],
    [
      `Authorization: Basic ${Buffer.from("u:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB").toString("base64url")}`,
      "GitHub token (base64-encoded)",
    ],
  ])("finds %s", (value, kind) => expect(secretLookingValue(value)).toBe(kind));
  it("leaves ordinary text alone", () => {
    expect(secretLookingValue("fix the flaky test in ghp-tools")).toBeUndefined();
    expect(secretLookingValue("commit 0123456789abcdef0123456789abcdef01234567 and AKIAX")).toBeUndefined();
    expect(
      secretLookingValue(Buffer.from("just a long ordinary sentence, base64-encoded").toString("base64")),
    ).toBeUndefined();
  });
  it("never repeats the refused name in its env-name answer", () => {
    expect(requestEnvNameProblem("ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")).not.toContain("ghp_");
    expect(requestEnvNameProblem("GIT_SECRETVALUE")).not.toContain("SECRETVALUE");
  });
  it("finds control characters", () => {
    expect(CONTROL_CHAR_RE.test("a\u0000b")).toBe(true);
    expect(CONTROL_CHAR_RE.test("line\nnext\ttab")).toBe(false);
    for (const c of [
      "\u0085",
      "\u009b",
      "\u200b",
      "\u200f",
      "\u2028",
      "\u2029",
      "\u202a",
      "\u202e",
      "\u2060",
      "\u2066",
      "\u2069",
      "\ufeff",
      "\u{E0001}",
      "\u{E0041}",
      "\u{E007F}",
    ]) {
      expect(CONTROL_CHAR_RE.test(`a${c}b`), JSON.stringify(c)).toBe(true);
    }
    expect(CONTROL_CHAR_RE.test("café – ünïcødé ✓ 日本語 😀 \u00a0 👨\u200d👩\u200d👧 می\u200cخواهم")).toBe(
      false,
    );
    // the joiners stay allowed, but cannot hide a token
    expect(secretLookingValue("ghp_0123456789abcdefghijklmnopqrstuvwxyzAB".split("").join("\u200d"))).toBe(
      "GitHub token",
    );
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
