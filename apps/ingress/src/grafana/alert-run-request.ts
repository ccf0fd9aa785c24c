import {
  type GrafanaSource,
  REPOSITORY_URL_RE,
  type RunRequest,
  resolveModel,
  runRequestSchema,
} from "@orchestrator/contracts";
import {
  cloneUrl,
  OWNER_REPO_RE,
  type Rules,
  repositoryFullName,
  resolveAlertRoute,
  resolveRepositoryRule,
  serviceFromRepository,
  stripUndefined,
} from "@orchestrator/policy";
import type { IngressConfig } from "../config.js";
import type { Ignore } from "../triggers/ignore.js";
import { type Alert, type AlertNotification, fingerprintOf, flavourOf } from "./alert-payload.js";
import { alertInstructions } from "./alert-prompt.js";

/** Alert labels that route an alert to a repository and override the rules' defaults. */
export const ROUTING_LABELS = {
  service: "orchestrator_service",
  repository: "orchestrator_repository",
  githubUser: "orchestrator_github_user",
  model: "orchestrator_model",
  taskId: "orchestrator_task_id",
  toolConfig: "orchestrator_tool_config",
  docsRepository: "orchestrator_docs_repository",
  workingDirectory: "orchestrator_working_directory",
  branch: "orchestrator_branch",
} as const;

/** Re-sends of a still-firing alert (every repeat_interval) and sender retries share this key. */
export function alertIdempotencyKey(alert: Alert): string {
  return `grafana:${fingerprintOf(alert)}:${alert.startsAt}`;
}

export function alertSingleFlightKey(alert: Alert): string {
  return `grafana:${fingerprintOf(alert)}`;
}

/**
 * The code run an alert asks for. Each field comes from, in order: the alert's `orchestrator_*`
 * label, the first matching grafana route, the repository's rule, the rules' defaults.
 */
export function buildAlertRunRequest(input: {
  alert: Alert;
  notification: AlertNotification;
  rules: Rules;
  config: IngressConfig;
}): { request: RunRequest } | { ignore: Ignore } {
  const { alert, rules, config } = input;
  const label = (key: keyof typeof ROUTING_LABELS) => alert.labels[ROUTING_LABELS[key]] || undefined;
  const route = resolveAlertRoute(rules, alert.labels);
  const name = alert.labels["alertname"] ?? "alert";
  if (!route && !label("service") && !label("repository")) {
    return {
      ignore: {
        reason: "no_routing",
        message: `${name}: no ${ROUTING_LABELS.service}/${ROUTING_LABELS.repository} label and no matching grafana route`,
      },
    };
  }
  const repository = label("repository") ?? route?.repository;
  if (!repository) {
    return {
      ignore: {
        reason: "no_routing",
        message: `${name}: no repository (label ${ROUTING_LABELS.repository} or a route's repository)`,
      },
    };
  }
  const fullName = OWNER_REPO_RE.test(repository) ? repository : repositoryFullName(repository);
  const { labels: _l, repository: _r, taskId: routeTaskId, ...routeDefaults } = route ?? { labels: {} };
  const defaults = {
    ...((fullName && resolveRepositoryRule(rules, fullName)) || rules.defaults),
    ...stripUndefined(routeDefaults),
  };
  const repositoryUrl = REPOSITORY_URL_RE.test(repository)
    ? repository
    : cloneUrl(rules.github.host, repository, defaults.auth ?? "ssh");
  const service = label("service") ?? defaults.service ?? serviceFromRepository(fullName ?? repository);
  const taskLabel = label("taskId");
  const candidate = {
    kind: "code",
    idempotencyKey: alertIdempotencyKey(alert),
    source: grafanaSource(alert, input.notification),
    repositoryUrl,
    githubUser: label("githubUser") ?? defaults.githubUser,
    model: resolveModel(
      label("model") ?? defaults.codeModel ?? defaults.model,
      config.DEFAULT_CODE_MODEL,
      config.MODEL_ALIASES,
    ),
    taskId:
      taskLabel !== undefined
        ? /^\d{1,7}$/.test(taskLabel)
          ? Number(taskLabel)
          : taskLabel
        : (routeTaskId ?? 0),
    service,
    workingDirectory: label("workingDirectory") ?? defaults.codeWorkingDirectory ?? service,
    docsRepositoryUrl: label("docsRepository") ?? defaults.docsRepository ?? repositoryUrl,
    docsBranch: defaults.docsBranch ?? "main",
    branch: label("branch") ?? defaults.branch ?? "main",
    toolConfig: label("toolConfig") ?? defaults.toolConfig ?? "default",
    instructions: alertInstructions(alert, input.notification),
    ...(defaults.docsProjectDirectory ? { docsProjectDirectory: defaults.docsProjectDirectory } : {}),
  };
  const parsed = runRequestSchema.safeParse(candidate);
  if (parsed.success) return { request: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  return { ignore: { reason: "invalid_request", message: `${name}: cannot build a code run: ${problems}` } };
}

function grafanaSource(alert: Alert, notification: AlertNotification): GrafanaSource {
  const ruleUid = alert.ruleUID ?? alert.labels["__alert_rule_uid__"];
  return {
    type: "grafana",
    flavour: flavourOf(notification),
    alertName: alert.labels["alertname"] ?? "alert",
    fingerprint: fingerprintOf(alert),
    startsAt: alert.startsAt,
    ...(ruleUid ? { ruleUid } : {}),
    ...(alert.generatorURL ? { generatorUrl: alert.generatorURL } : {}),
    ...(alert.dashboardURL ? { dashboardUrl: alert.dashboardURL } : {}),
    ...(alert.panelURL ? { panelUrl: alert.panelURL } : {}),
    ...(notification.receiver ? { receiver: notification.receiver } : {}),
  };
}
