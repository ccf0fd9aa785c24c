import { Counter, type Registry } from "prom-client";
import { checkCallbackUrl } from "./callback-policy.js";
import { DEFAULT_ALLOWED_ENV_SECRETS } from "./env-secret-policy.js";
import { PolicyRefusedError } from "./policy-refused-error.js";
import { checkRepository } from "./repository-policy.js";
import { checkRequestContent } from "./request-policy.js";
import type { Rules } from "./rules/rules-schema.js";

export interface RunPolicyOptions {
  /** validated rules file: `repositories` (globs and users) */
  rules: Rules;
  /** ALLOWED_GIT_HOSTS, parsed (parseAllowedGitHosts) */
  allowedGitHosts: readonly string[];
  /** CALLBACK_ALLOWED_HOSTS, parsed (parseCallbackAllowedHosts); [] → public addresses only */
  callbackAllowedHosts: readonly string[];
  /**
   * ALLOWED_ENV_SECRETS, parsed (parseAllowedEnvSecrets): Secrets `envFromSecrets` may name; default
   * `agent-*`. `orchestrator-*`, `github-ssh-*` and `github-pat-*` are refused whatever it says.
   */
  allowedEnvSecrets?: readonly string[] | undefined;
  /** counts `orchestrator_policy_refusals_total{source,reason}` when given */
  registry?: Registry | undefined;
}

const METRIC = "orchestrator_policy_refusals_total";

/**
 * The one trust-boundary policy every run request passes before it is recorded, whatever its
 * source (API, PM aliases, CLI, MCP, GitHub, Grafana, kubectl-applied CRs). See SECURITY.md.
 */
export class RunPolicy {
  private readonly refusals: Counter<"source" | "reason"> | undefined;

  constructor(private readonly options: RunPolicyOptions) {
    const registry = options.registry;
    this.refusals = registry
      ? ((registry.getSingleMetric(METRIC) as Counter<"source" | "reason"> | undefined) ??
        new Counter({
          name: METRIC,
          help: "Run requests refused by the trust-boundary policy, by source and reason",
          labelNames: ["source", "reason"],
          registers: [registry],
        }))
      : undefined;
  }

  /**
   * Refuses a request the policy does not allow; the error names the field and rule.
   * @throws PolicyRefusedError
   */
  check(request: unknown): void {
    try {
      this.checkUncounted(request);
    } catch (err) {
      if (err instanceof PolicyRefusedError) this.count(sourceOf(request), err.reason);
      throw err;
    }
  }

  /** Counts a refusal decided elsewhere (e.g. an Idempotency-Key reused with another body). */
  count(source: string, reason: PolicyRefusedError["reason"]): void {
    this.refusals?.inc({ source, reason });
  }

  private checkUncounted(request: unknown): void {
    checkRequestContent(request, this.options.allowedEnvSecrets ?? DEFAULT_ALLOWED_ENV_SECRETS);
    const record = (typeof request === "object" && request !== null ? request : {}) as Record<
      string,
      unknown
    >;
    const user = typeof record["githubUser"] === "string" ? record["githubUser"] : "";
    for (const field of ["repositoryUrl", "docsRepositoryUrl"]) {
      const url = record[field];
      if (typeof url === "string") {
        checkRepository(field, url, user, this.options.rules, this.options.allowedGitHosts);
      }
    }
    const callbackUrl = record["callbackUrl"];
    if (typeof callbackUrl === "string") checkCallbackUrl(callbackUrl, this.options.callbackAllowedHosts);
  }
}

function sourceOf(request: unknown): string {
  const source = (request as { source?: { type?: unknown } } | null)?.source?.type;
  return typeof source === "string" && /^[a-z]{1,20}$/.test(source) ? source : "unknown";
}
