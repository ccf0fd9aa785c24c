/** Bounded reasons (metric label values) a request is refused for. */
export const REFUSAL_REASONS = [
  "control_character",
  "env_name",
  "env_secret",
  "secret_value",
  "git_host",
  "repository",
  "github_user",
  "callback_url",
  "idempotency_reuse",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * A request the trust-boundary policy refuses. `status` is the HTTP answer (400 malformed, 403 not
 * allowed by a rule, 422 well-formed but refused), `field` the request field and `rule` the policy
 * rule that refused it. The message names both and never holds the refused value.
 */
export class PolicyRefusedError extends Error {
  override readonly name = "PolicyRefusedError";
  constructor(
    readonly status: 400 | 403 | 422,
    readonly reason: RefusalReason,
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}
