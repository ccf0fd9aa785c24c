export type { AlertRoute, RepositoryRule, Rules, RunDefaults } from "@orchestrator/policy";
export { defaultRulesFile, loadRules, parseRules, RulesFileError, rulesSchema } from "@orchestrator/policy";
export {
  type IngressConfig,
  type IngressEnv,
  ingressEnvSchema,
  loadIngressConfig,
} from "./config.js";
export { createIngress, type Ingress, type IngressDependencies } from "./create-ingress.js";
export { type RescanResult, rescanGithubTriggers } from "./github/github-rescan.js";
export { ingressGithubClient } from "./github/ingress-github-client.js";
export { scheduleGithubRescan } from "./github/rescan-schedule.js";
export type { LogReader, LogStreamOptions } from "./logs/log-reader.js";
export { listen, type RunningServer } from "./server.js";
export { parseSlashCommand, type SlashCommand } from "./triggers/slash-command.js";
export { ORCHESTRATOR_COMMENT_MARKER } from "./triggers/trust.js";
