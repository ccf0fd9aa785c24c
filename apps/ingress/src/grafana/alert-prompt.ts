import type { Alert, AlertNotification } from "./alert-payload.js";

const MAX = 60_000;
const LINK_FIELDS = [
  ["generatorURL", "Alert rule / query"],
  ["dashboardURL", "Dashboard"],
  ["panelURL", "Panel"],
  ["silenceURL", "Silence"],
] as const;

/**
 * The agent's instructions for an alert: what fired, where to look, and what is expected. Goes into
 * the prompt only (it is free text from the alert), never into a script.
 */
export function alertInstructions(alert: Alert, notification: AlertNotification): string {
  const labels = alert.labels;
  const annotations = alert.annotations ?? {};
  const name = labels["alertname"] ?? "alert";
  const lines = [
    `Production alert "${name}" is firing (since ${alert.startsAt}).`,
    "Investigate the cause in this repository and, if it is a code problem, fix it and open a pull request.",
    "",
  ];
  for (const key of ["summary", "description", "message"]) {
    if (annotations[key]) lines.push(`${capitalise(key)}: ${annotations[key]}`);
  }
  const runbook = annotations["runbook_url"] ?? annotations["runbook"];
  if (runbook) lines.push(`Runbook: ${runbook}`);
  for (const [field, title] of LINK_FIELDS) {
    const url = alert[field];
    if (url) lines.push(`${title}: ${url}`);
  }
  if (notification.externalURL) lines.push(`Alert source: ${notification.externalURL}`);
  const values = alert.values ? Object.entries(alert.values) : [];
  if (values.length > 0) {
    lines.push("", "Values:", ...values.map(([k, v]) => `- ${k} = ${JSON.stringify(v)}`));
  } else if (alert.valueString) {
    lines.push("", `Values: ${alert.valueString}`);
  }
  lines.push(
    "",
    "Labels:",
    ...Object.keys(labels)
      .sort()
      .map((k) => `- ${k} = ${labels[k]}`),
  );
  const other = Object.keys(annotations).filter(
    (k) => !["summary", "description", "message", "runbook_url", "runbook"].includes(k),
  );
  if (other.length > 0)
    lines.push("", "Annotations:", ...other.sort().map((k) => `- ${k} = ${annotations[k]}`));
  const text = lines.join("\n");
  return text.length > MAX ? `${text.slice(0, MAX)}\n[truncated]` : text;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
