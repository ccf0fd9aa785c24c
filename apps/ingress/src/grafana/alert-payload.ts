import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * Labels and annotations as senders really fill them: numbers and booleans (a templated annotation, a label
 * from a numeric field) become strings; values of other types (objects, arrays, null) are dropped one by
 * one, so one odd entry never costs the alert its other labels or annotations.
 */
const lenientStringMap = z.record(z.string(), z.unknown()).transform((map) => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (key === "__proto__") continue;
    if (typeof value === "string") out[key] = value;
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") {
      out[key] = String(value);
    }
  }
  return out;
});

/** One alert, as Grafana unified alerting or Alertmanager sends it; unknown fields are tolerated. */
export const alertSchema = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: lenientStringMap,
  // annotations are only context for the prompt: a body whose annotations are not even an object keeps the alert
  annotations: lenientStringMap.catch({}).optional(),
  startsAt: z.string().min(1).max(64),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  // Grafana only
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  values: z.record(z.string(), z.unknown()).nullish(),
  valueString: z.string().optional(),
  ruleUID: z.string().optional(),
});
export type Alert = z.infer<typeof alertSchema>;

/** The notification around the alerts (Grafana: version "1"; Alertmanager: version "4"). */
export const alertNotificationSchema = z.looseObject({
  version: z.string().optional(),
  receiver: z.string().optional(),
  status: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  orgId: z.number().optional(),
  title: z.string().optional(),
  alerts: z.array(alertSchema).max(1000),
});
export type AlertNotification = z.infer<typeof alertNotificationSchema>;

export function flavourOf(notification: AlertNotification): "grafana" | "alertmanager" {
  return notification.orgId !== undefined || notification.version === "1" ? "grafana" : "alertmanager";
}

/** The alert's fingerprint, or one derived from its labels when the sender left it out. */
export function fingerprintOf(alert: Alert): string {
  if (alert.fingerprint && /^[A-Za-z0-9]{1,64}$/.test(alert.fingerprint)) return alert.fingerprint;
  const sorted = Object.keys(alert.labels)
    .sort()
    .map((k) => `${k}=${alert.labels[k]}`)
    .join("\u0000");
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

/** Rule identity for the per-rule cap: Grafana's rule UID, else the alert name. */
export function ruleKeyOf(alert: Alert): string {
  return alert.ruleUID ?? alert.labels["__alert_rule_uid__"] ?? alert.labels["alertname"] ?? "unnamed";
}
