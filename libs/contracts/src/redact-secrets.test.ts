import { describe, expect, it } from "vitest";
import { redactSecrets } from "./redact-secrets.js";

describe("redactSecrets", () => {
  it("removes GitHub and Anthropic tokens, URL credentials and secret variables from agent output", () => {
    const text = [
      "export GH_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345",
      "using gho_abcdefghij0123456789 and ghs_ZYXWVUTSRQ9876543210",
      "pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
      "key sk-ant-api03-AbCdEf0123456789_-xyz",
      "git clone https://x-access-token:s3cr3t-v4lue@github.com/o/r.git",
      "git clone https://octocat:hunter2@git.example.com/o/r.git",
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
      "ANTHROPIC_API_KEY=whatever-the-value-is",
    ].join("\n");
    const out = redactSecrets(text);
    for (const secret of [
      "ghp_0123456789",
      "gho_abcdefghij",
      "ghs_ZYXWVUTSRQ",
      "github_pat_11ABCDEFG",
      "sk-ant-api03",
      "s3cr3t-v4lue",
      "hunter2",
      "eyJhbGciOiJIUzI1NiJ9",
      "whatever-the-value-is",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("https://[REDACTED]@github.com/o/r.git");
    expect(out).toContain("ANTHROPIC_API_KEY=[REDACTED]");
  });

  it("leaves ordinary output alone", () => {
    const text = "running tests: 42 passed, 1 failed (see https://github.com/o/r/pull/7)";
    expect(redactSecrets(text)).toBe(text);
  });
});
