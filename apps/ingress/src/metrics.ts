import { Counter, FAST_BUCKETS, Histogram, type Registry } from "@orchestrator/observability";
import type { RequestHandler } from "express";

/** What became of a webhook delivery (or, for Grafana, of one alert in it). */
export type WebhookOutcome = "accepted" | "duplicate" | "ignored" | "refused" | "rejected";

/**
 * Ingress metrics. Labels are bounded: routes are Express patterns, events are GitHub event names
 * that passed signature verification (or "-"), reasons are fixed codes, never ids or user text.
 */
export class IngressMetrics {
  readonly requests: Counter<"route" | "method" | "status">;
  readonly duration: Histogram<"route" | "method">;
  readonly webhookEvents: Counter<"source" | "event" | "outcome">;
  readonly webhookIgnored: Counter<"source" | "reason">;
  readonly runsAccepted: Counter<"kind" | "source">;
  readonly githubRecovered: Counter<"kind">;

  constructor(registry: Registry) {
    // getSingleMetric: two ingress instances may share one registry (all-in-one process, tests)
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.requests =
      existing("orchestrator_http_requests_total") ??
      new Counter({
        name: "orchestrator_http_requests_total",
        help: "HTTP requests by route, method and status",
        labelNames: ["route", "method", "status"],
        registers: [registry],
      });
    this.duration =
      existing("orchestrator_http_request_duration_seconds") ??
      new Histogram({
        name: "orchestrator_http_request_duration_seconds",
        help: "Time to answer an HTTP request",
        labelNames: ["route", "method"],
        buckets: FAST_BUCKETS,
        registers: [registry],
      });
    this.webhookEvents =
      existing("orchestrator_webhook_events_total") ??
      new Counter({
        name: "orchestrator_webhook_events_total",
        help: "Webhook deliveries (Grafana: alerts) by source, event and outcome",
        labelNames: ["source", "event", "outcome"],
        registers: [registry],
      });
    this.webhookIgnored =
      existing("orchestrator_webhook_ignored_total") ??
      new Counter({
        name: "orchestrator_webhook_ignored_total",
        help: "Webhook deliveries or alerts that triggered nothing, by reason",
        labelNames: ["source", "reason"],
        registers: [registry],
      });
    this.runsAccepted =
      existing("orchestrator_runs_accepted_total") ??
      new Counter({
        name: "orchestrator_runs_accepted_total",
        help: "Runs recorded and queued by ingress, by kind and source",
        labelNames: ["kind", "source"],
        registers: [registry],
      });
    this.githubRecovered =
      existing("orchestrator_github_recovered_total") ??
      new Counter({
        name: "orchestrator_github_recovered_total",
        help: "Runs the start-up/periodic re-scan created for trigger labels whose webhook delivery was missed",
        labelNames: ["kind"],
        registers: [registry],
      });
  }

  webhook(source: string, event: string, outcome: WebhookOutcome, reason?: string): void {
    this.webhookEvents.inc({ source, event, outcome });
    if (outcome === "ignored" && reason) this.webhookIgnored.inc({ source, reason });
  }

  /** Counts every request once it is answered, labelled by the route pattern that served it. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = process.hrtime.bigint();
      res.once("finish", () => {
        const routePath = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof routePath === "string" ? `${req.baseUrl}${routePath}` : "unmatched";
        const seconds = Number(process.hrtime.bigint() - end) / 1e9;
        this.requests.inc({ route, method: req.method, status: String(res.statusCode) });
        this.duration.observe({ route, method: req.method }, seconds);
      });
      next();
    };
  }
}
