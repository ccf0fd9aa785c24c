import { PolicyRefusedError } from "@orchestrator/policy";
import type { CreateRunResult } from "@orchestrator/run-store";
import { type Request, type Response, Router } from "express";
import { authenticateGrafana } from "../auth/grafana-auth.js";
import { HttpError, ValidationError } from "../errors/http-error.js";
import { RunNotQueuedError } from "../errors/run-not-queued-error.js";
import { validationDetails } from "../errors/validation-details.js";
import type { AlertRunCap } from "../grafana/alert-cap.js";
import {
  type Alert,
  type AlertNotification,
  alertNotificationSchema,
  fingerprintOf,
  ruleKeyOf,
} from "../grafana/alert-payload.js";
import {
  alertIdempotencyKey,
  alertSingleFlightKey,
  buildAlertRunRequest,
} from "../grafana/alert-run-request.js";
import { parseJsonBody, rawBody } from "../http/body-parsers.js";
import { countParserRejections } from "../http/count-rejections.js";
import type { IngressContext } from "../ingress-context.js";
import { publicBaseUrl, statusUrl } from "../runs/run-answer.js";
import type { Ignore } from "../triggers/ignore.js";

/** What happened to one alert of a notification (the answer lists one per alert). */
export interface AlertOutcome {
  fingerprint: string;
  status: Alert["status"];
  outcome: "accepted" | "duplicate" | "active" | "ignored" | "refused" | "cancelled" | "recorded";
  runId?: string;
  statusUrl?: string;
  reason?: string;
}

/**
 * `POST /webhooks/grafana`: Grafana unified-alerting and Alertmanager notifications. Each firing
 * alert with routing becomes (at most) one code run; each resolved one cancels or annotates its run.
 */
export function grafanaWebhookRouter(ctx: IngressContext, cap: AlertRunCap): Router {
  const router = Router();
  router.post("/webhooks/grafana", rawBody(ctx.config.BODY_LIMIT), async (req: Request, res: Response) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let notification: AlertNotification;
    try {
      authenticateGrafana(req, body, {
        token: ctx.config.GRAFANA_WEBHOOK_TOKEN,
        basic: ctx.config.GRAFANA_BASIC_AUTH,
        hmacSecret: ctx.config.GRAFANA_HMAC_SECRET,
        hmacMaxAgeMs: ctx.config.GRAFANA_HMAC_MAX_AGE,
        timestampHeader: ctx.config.GRAFANA_HMAC_TIMESTAMP_HEADER,
        now: ctx.now,
      });
      const parsed = alertNotificationSchema.safeParse(parseJsonBody(req.get("content-type"), body));
      if (!parsed.success)
        throw new ValidationError(
          validationDetails(parsed.error.issues),
          "not a Grafana/Alertmanager notification",
        );
      notification = parsed.data;
    } catch (err) {
      if (err instanceof HttpError) ctx.metrics.webhook("grafana", "-", "rejected");
      throw err;
    }
    const base = publicBaseUrl(req, ctx.config.PUBLIC_URL);
    const alerts: AlertOutcome[] = [];
    for (const alert of notification.alerts) {
      const outcome =
        alert.status === "resolved"
          ? await resolved(ctx, alert)
          : await firing(ctx, cap, alert, notification);
      if (outcome.runId) outcome.statusUrl = statusUrl(base, outcome.runId);
      alerts.push(outcome);
    }
    res.status(alerts.some((a) => a.outcome === "accepted") ? 202 : 200).json({ alerts });
  });
  router.use(countParserRejections(ctx.metrics, "grafana", ["/webhooks/grafana"]));
  return router;
}

async function firing(
  ctx: IngressContext,
  cap: AlertRunCap,
  alert: Alert,
  notification: AlertNotification,
): Promise<AlertOutcome> {
  const fingerprint = fingerprintOf(alert);
  const log = ctx.log.child({ fingerprint, alertname: alert.labels["alertname"] });
  const ignore = (ignored: Ignore): AlertOutcome => {
    ctx.metrics.webhook("grafana", "firing", "ignored", ignored.reason);
    log.info({ reason: ignored.reason }, "alert ignored");
    return { fingerprint, status: "firing", outcome: "ignored", reason: ignored.message };
  };
  const built = buildAlertRunRequest({ alert, notification, rules: ctx.rules, config: ctx.config });
  if ("ignore" in built) return ignore(built.ignore);
  // re-sends (every repeat_interval) and retries: same fingerprint and startsAt, same run
  const existing = await ctx.runStore.findByIdempotencyKey(alertIdempotencyKey(alert));
  if (existing) {
    if (existing.phase === "Queued" && existing.timeline.length === 1) await ctx.submitter.enqueue(existing);
    ctx.metrics.webhook("grafana", "firing", "duplicate");
    return { fingerprint, status: "firing", outcome: "duplicate", runId: existing.id };
  }
  const release = await cap.take(ruleKeyOf(alert));
  if (!release) {
    return ignore({
      reason: "rate_limited",
      message: `alert rule ${ruleKeyOf(alert)} reached grafana.maxRunsPerRule`,
    });
  }
  let result: CreateRunResult;
  try {
    result = await ctx.submitter.submit({
      request: built.request,
      singleFlightKey: alertSingleFlightKey(alert),
      reason: `alert ${alert.labels["alertname"] ?? ""} firing`,
    });
  } catch (err) {
    // no run took the slot (unless it was recorded and only queueing failed): Grafana's retry must find it free
    if (!(err instanceof RunNotQueuedError)) await release().catch(() => undefined);
    if (err instanceof PolicyRefusedError) {
      // a refusal is an answer, not a failure: a 5xx would make Grafana retry it forever
      ctx.metrics.webhook("grafana", "firing", "refused", err.reason);
      log.warn({ reason: err.reason, rule: err.rule, field: err.field }, "alert refused by the policy");
      return { fingerprint, status: "firing", outcome: "refused", reason: err.message };
    }
    throw err;
  }
  if (result.outcome !== "created") await release().catch(() => undefined);
  ctx.metrics.webhook("grafana", "firing", result.outcome === "created" ? "accepted" : "duplicate");
  const outcome = result.outcome === "created" ? "accepted" : result.outcome;
  return { fingerprint, status: "firing", outcome, runId: result.run.id };
}

/** A resolved alert cancels its run if nothing started yet, and is recorded on it otherwise. */
async function resolved(ctx: IngressContext, alert: Alert): Promise<AlertOutcome> {
  const fingerprint = fingerprintOf(alert);
  const run = await ctx.runStore.findByIdempotencyKey(alertIdempotencyKey(alert));
  if (!run) {
    ctx.metrics.webhook("grafana", "resolved", "ignored", "no_run");
    return { fingerprint, status: "resolved", outcome: "ignored", reason: "no run for this alert" };
  }
  const at = ctx.now().toISOString();
  const mark = () => ctx.runStore.update(run.id, (r) => ({ ...r, alertResolvedAt: r.alertResolvedAt ?? at }));
  ctx.metrics.webhook("grafana", "resolved", "accepted");
  if (run.phase === "Queued" || run.phase === "Rendering") {
    await ctx.canceller.cancel(run, "alert resolved before the run started");
    await mark();
    return { fingerprint, status: "resolved", outcome: "cancelled", runId: run.id };
  }
  if (!run.alertResolvedAt) await mark();
  return { fingerprint, status: "resolved", outcome: "recorded", runId: run.id };
}
