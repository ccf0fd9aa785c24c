export {
  CallbackAddressRefusedError,
  callbackHostAllowed,
  checkCallbackUrl,
  isPublicAddress,
  parseCallbackAllowedHosts,
  resolveCallbackAddress,
} from "./callback-policy.js";
export {
  DEFAULT_ALLOWED_ENV_SECRETS,
  envSecretRefusal,
  parseAllowedEnvSecrets,
  REFUSED_ENV_SECRETS,
} from "./env-secret-policy.js";
export { policyEnv } from "./policy-env.js";
export { PolicyRefusedError, REFUSAL_REASONS, type RefusalReason } from "./policy-refused-error.js";
export { allowedUsersOf, checkRepository, repositoryFullName } from "./repository-policy.js";
export { requestBodyHash } from "./request-hash.js";
export { checkRequestContent } from "./request-policy.js";
export { defaultRulesFile } from "./rules/default-rules-file.js";
export { loadRules, parseRules, RulesFileError } from "./rules/load-rules.js";
export {
  cloneUrl,
  resolveAlertRoute,
  resolveRepositoryRule,
  serviceFromRepository,
  stripUndefined,
} from "./rules/resolve-repository.js";
export {
  type AlertRoute,
  AUTHOR_ASSOCIATIONS,
  alertRouteSchema,
  OWNER_REPO_RE,
  type RepositoryRule,
  type Rules,
  type RunDefaults,
  repositoryRuleSchema,
  rulesSchema,
  runDefaultsSchema,
} from "./rules/rules-schema.js";
export { RunPolicy, type RunPolicyOptions } from "./run-policy.js";
