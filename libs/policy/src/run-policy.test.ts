import { CONTROL_CHAR_RE } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { parseAllowedEnvSecrets } from "./env-secret-policy.js";
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
      // neither the message nor the field repeats what was refused (a refused name may be a token)
      for (const shown of [err?.message, err?.field]) {
        expect(shown).not.toContain("ghp_");
        expect(shown).not.toContain("AKIAIOSFODNN7EXAMPLE");
        expect(shown).not.toContain("eyJhbGci");
        expect(CONTROL_CHAR_RE.test(shown ?? "")).toBe(false);
      }
    },
  );

  it("mounts only Secrets ALLOWED_ENV_SECRETS admits, and never the orchestrator's own or GitHub credentials", () => {
    const mount = (secretName: string, allowed?: readonly string[]) => {
      const p = new RunPolicy({
        rules: parseRules(POLICY_RULES_YAML),
        allowedGitHosts: ["github.com"],
        callbackAllowedHosts: [],
        allowedEnvSecrets: allowed,
      });
      try {
        p.check({ ...ALLOWED_CODE_RUN, envFromSecrets: [{ name: "DB_URL", secretName, secretKey: "k" }] });
        return "allowed";
      } catch (err) {
        return (err as PolicyRefusedError).rule;
      }
    };
    expect(mount("agent-trader-db")).toBe("allowed"); // default agent-*
    expect(mount("trader-db")).toBe("ALLOWED_ENV_SECRETS");
    expect(mount("trader-db", ["agent-*", "trader-db"])).toBe("allowed");
    for (const own of ["orchestrator-watcher", "orchestrator-ingress", "github-pat-x", "github-ssh-x"]) {
      expect(mount(own, ["*"]), own).toBe("credential-secrets");
    }
    expect(mount("anthropic-api-key", ["*"])).toBe("allowed");
  });

  it("parses ALLOWED_ENV_SECRETS and names a bad entry", () => {
    expect(parseAllowedEnvSecrets(undefined)).toEqual(["agent-*"]);
    expect(parseAllowedEnvSecrets(" Agent-*, trader-db ")).toEqual(["agent-*", "trader-db"]);
    expect(() => parseAllowedEnvSecrets("agent-*,Trader_DB/x")).toThrow(
      /ALLOWED_ENV_SECRETS entry "trader_db\/x"/,
    );
  });

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
