import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { REPO_ROOT } from "./kustomize.js";

/** Grafana's own variables are not PromQL: give them a value the parser accepts. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, "5m");
}

export interface ParsedQuery {
  /** the first syntax error as `offset: text`, if any */
  error?: string;
  /** metric names the query selects */
  metrics: string[];
}

/** Parses one expression with the PromQL grammar Prometheus's own UI uses. */
export function parsePromql(expr: string): ParsedQuery {
  const source = withoutGrafanaVariables(expr);
  const tree = parser.parse(source);
  const metrics = new Set<string>();
  let error: string | undefined;
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError && error === undefined)
      error = `${cursor.from}: ${JSON.stringify(source.slice(Math.max(0, cursor.from - 20), cursor.to + 20))}`;
    if (cursor.name === "VectorSelector") {
      const selector = cursor.node.getChild("Identifier");
      if (selector) metrics.add(source.slice(selector.from, selector.to));
    }
  } while (cursor.next());
  return { ...(error === undefined ? {} : { error }), metrics: [...metrics] };
}

/** Where the e2e run writes each service's /metrics (test/e2e/src/system.ts METRICS_DUMP_DIR). */
export const METRICS_DUMP_DIR = resolve(REPO_ROOT, "test/e2e/.metrics");

/**
 * Every series name the services export, read from the `/metrics` text each one served at the end of
 * the e2e run (their real registries): `# TYPE` lines, with `_bucket`/`_sum`/`_count` for histograms.
 */
export function exportedMetrics(): { services: string[]; names: Set<string> } {
  if (!existsSync(METRICS_DUMP_DIR)) return { services: [], names: new Set() };
  const names = new Set<string>();
  const services: string[] = [];
  for (const file of readdirSync(METRICS_DUMP_DIR).filter((f) => f.endsWith(".prom"))) {
    services.push(file.replace(/\.prom$/, ""));
    for (const line of readFileSync(join(METRICS_DUMP_DIR, file), "utf8").split("\n")) {
      const match = /^# TYPE (\S+) (\S+)/.exec(line);
      if (!match) continue;
      const [, name, type] = match as unknown as [string, string, string];
      names.add(name);
      if (type === "histogram")
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return { services: services.sort(), names };
}
