import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY_DIR } from "../src/kustomize.js";
import { exportedMetrics, METRICS_DUMP_DIR, parsePromql } from "../src/promql.js";

const MONITORING = resolve(DEPLOY_DIR, "components/monitoring");

interface Query {
  where: string;
  expr: string;
}

function alertQueries(): Query[] {
  const rule = parse(readFileSync(resolve(MONITORING, "prometheus-rules.yaml"), "utf8"));
  return rule.spec.groups.flatMap((group: { rules: { alert: string; expr: string }[] }) =>
    group.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  );
}

function dashboardQueries(): Query[] {
  const dashboard = JSON.parse(readFileSync(resolve(MONITORING, "orchestrator-dashboard.json"), "utf8"));
  return dashboard.panels.flatMap((panel: { title: string; targets: { refId: string; expr: string }[] }) =>
    panel.targets.map((t) => ({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr })),
  );
}

const queries = [...alertQueries(), ...dashboardQueries()];

describe("PromQL in the alerts and the dashboard", () => {
  it("finds the alerts and panels the issue asks for", () => {
    const alerts = alertQueries().map((q) => q.where);
    for (const name of [
      "Ingress5xxRatioHigh",
      "WebhookSignatureFailures",
      "QueueBacklogGrowing",
      "OldestJobTooOld",
      "RunFailureRatioHigh",
      "RunsStuckPending",
      "WatcherNoProgress",
      "RedisUnreachable",
      "KubernetesApiErrors",
    ])
      expect(alerts).toContain(`alert Orchestrator${name}`);
    expect(dashboardQueries().length).toBeGreaterThanOrEqual(12);
  });

  it("parses every expression", () => {
    const errors = queries.flatMap((q) => {
      const { error } = parsePromql(q.expr);
      return error ? [`${q.where}: syntax error at ${error}`] : [];
    });
    expect(errors).toEqual([]);
  });

  it("catches a broken expression (the parser is not lenient)", () => {
    expect(parsePromql("sum(rate(orchestrator_runs_total[5m])) by (kind").error).toBeDefined();
    expect(parsePromql("rate(orchestrator_runs_total[5m]").error).toBeDefined();
  });

  it("names only metrics the services export (their /metrics after the e2e run)", () => {
    const { services, names } = exportedMetrics();
    expect(
      services,
      `no /metrics dumps in ${METRICS_DUMP_DIR}: run the e2e first (npx turbo run test --filter=@orchestrator/deploy-test runs it)`,
    ).toEqual(["dispatcher", "ingress", "renderer", "watcher"]);
    const unknown = queries.flatMap((q) =>
      parsePromql(q.expr)
        .metrics.filter((m) => !names.has(m))
        .map((m) => `${q.where}: ${m}`),
    );
    expect(unknown).toEqual([]);
  });

  it("reads real values from the services: Redis up everywhere, the watcher's last resync set", () => {
    const dump = (service: string) => readFileSync(join(METRICS_DUMP_DIR, `${service}.prom`), "utf8");
    for (const service of ["ingress", "renderer", "dispatcher", "watcher"])
      expect(dump(service)).toContain(`orchestrator_redis_up{service="${service}"} 1`);
    const resync = /^orchestrator_watcher_last_resync_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(
      dump("watcher"),
    );
    expect(Number(resync?.[1])).toBeGreaterThan(Date.UTC(2025, 0, 1) / 1000);
  });
});
