import { Counter } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  createRegistry,
  type HealthServer,
  type MetricsServer,
  startHealthServer,
  startMetricsServer,
} from "./index.js";

let server: HealthServer | undefined;
let metricsServer: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  await metricsServer?.close();
  server = undefined;
  metricsServer = undefined;
});

describe("health server", () => {
  it("answers /health and /ready, and not /metrics", async () => {
    let ready = false;
    server = await startHealthServer({ ready: async () => ready, host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("reports not ready when the readiness check throws", async () => {
    server = await startHealthServer({
      ready: async () => {
        throw new Error("redis down");
      },
      host: "127.0.0.1",
      port: 0,
    });
    expect((await fetch(`http://127.0.0.1:${server.port}/ready`)).status).toBe(503);
  });
});

describe("metrics server", () => {
  it("serves the registry on /metrics and nothing else", async () => {
    const registry = createRegistry("test");
    new Counter({ name: "orchestrator_test_total", help: "t", registers: [registry] }).inc(3);
    metricsServer = await startMetricsServer({ registry, host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${metricsServer.port}`;
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const metrics = await response.text();
    expect(metrics).toContain('orchestrator_test_total{service="test"} 3');
    expect(metrics).toContain("process_cpu_user_seconds_total");
    expect((await fetch(`${base}/health`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
