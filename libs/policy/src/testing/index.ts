export {
  ALLOWED_CODE_RUN,
  LEAKED_TOKEN,
  POLICY_CASES,
  POLICY_RULES_YAML,
  type PolicyCase,
  type PolicyChange,
} from "./policy-cases.js";
export { type RedisReader, redisText } from "./redis-text.js";
