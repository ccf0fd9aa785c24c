import { describe, expect, it } from "vitest";
import { PolicyRefusedError } from "./policy-refused-error.js";
import { requestBodyHash } from "./request-hash.js";
import { parseRules } from "./rules/load-rules.js";
import { RunPolicy } from "./run-policy.js";
import { ALLOWED_CODE_RUN, POLICY_CASES, POLICY_RULES_YAML } from "./testing/policy-cases.js";

const policy = new RunPolicy({
  rules: parseRules(POLICY_RULES_YAML),
  allowedGitHosts: ["github.com"],
  callbackAllowedHosts: [],
});

function refusal(request: object): PolicyRefusedError | undefined {
  try {
    policy.check(request);
    return undefined;
  } catch (err) {
    if (err instanceof PolicyRefusedError) return err;
    throw err;
  }
}

describe("run policy", () => {
  it("allows the baseline request of the table", () => {
    expect(refusal({ ...ALLOWED_CODE_RUN, source: { type: "api" } })).toBeUndefined();
  });

  it.each(POLICY_CASES.map((c) => [c.name, c] as const))(
    "refuses %s with its status, reason and rule",
    (_n, c) => {
      const err = refusal({ ...ALLOWED_CODE_RUN, ...c.change, source: { type: "api" } });
      expect(err).toMatchObject({ status: c.status, reason: c.reason });
      expect(err?.message).toContain(c.names);
      expect(err?.message).not.toContain("ghp_");
      expect(err?.message).not.toContain("\u0000");
    },
  );

  it("hashes what a request asks for, not who sent it or the key order", () => {
    const a = {
      kind: "code",
      env: { A: "1", B: "2" },
      source: { type: "api", userAgent: "x" },
      idempotencyKey: "k",
    };
    const b = { env: { B: "2", A: "1" }, kind: "code", source: { type: "cli" }, idempotencyKey: "k2" };
    expect(requestBodyHash(a)).toBe(requestBodyHash(b));
    expect(requestBodyHash({ ...a, env: { A: "1", B: "3" } })).not.toBe(requestBodyHash(a));
  });
});
