import { afterEach, describe, expect, it } from "vitest";
import { api, deliver, githubExample, type Harness, startHarness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("health, readiness and metrics", () => {
  it("answers /health and /ready while Redis is up", async () => {
    h = await startHarness();
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    expect(await (await fetch(`${h.base}/ready`)).json()).toEqual({
      status: "ready",
      reason: "redis answers",
    });
  });

  it("does not expose /metrics on the public port (it is served on METRICS_PORT)", async () => {
    h = await startHarness();
    expect((await fetch(`${h.base}/metrics`)).status).toBe(404);
  });

  it("counts requests, durations, webhook outcomes and accepted runs in its registry", async () => {
    h = await startHarness();
    const labeled = githubExample("issues", "labeled");
    labeled["label"] = { name: "orchestrator:code" };
    await deliver(h, "issues", labeled);
    await deliver(h, "issues", labeled, { secret: "wrong" });
    await deliver(h, "issues", githubExample("issues", "opened"));
    const huge = githubExample("issues", "opened");
    huge["padding"] = "x".repeat(1_100_000);
    expect((await deliver(h, "issues", huge)).status).toBe(413);
    await api(h, "POST", "/api/v1/runs", {
      body: { kind: "docs", repositoryUrl: "git@github.com:o/r.git", sourceBranch: "main", githubUser: "u1" },
    });
    const text = await h.registry.metrics();
    for (const series of [
      'orchestrator_http_requests_total{route="/webhooks/github",method="POST",status="202",service="ingress"} 2',
      'orchestrator_http_requests_total{route="/webhooks/github",method="POST",status="401",service="ingress"} 1',
      'orchestrator_http_requests_total{route="/api/v1/runs",method="POST",status="202",service="ingress"} 1',
      'orchestrator_http_requests_total{route="/webhooks/github",method="POST",status="413",service="ingress"} 1',
      'orchestrator_http_request_duration_seconds_count{service="ingress",route="/webhooks/github",method="POST"} 4',
      'orchestrator_webhook_events_total{source="github",event="issues",outcome="accepted",service="ingress"} 1',
      'orchestrator_webhook_events_total{source="github",event="-",outcome="rejected",service="ingress"} 2',
      'orchestrator_webhook_events_total{source="github",event="issues",outcome="ignored",service="ingress"} 1',
      'orchestrator_webhook_ignored_total{source="github",reason="event_not_handled",service="ingress"} 1',
      'orchestrator_runs_accepted_total{kind="code",source="github",service="ingress"} 1',
      'orchestrator_runs_accepted_total{kind="docs",source="api",service="ingress"} 1',
    ]) {
      expect(text).toContain(series);
    }
    expect(text).not.toMatch(/run-[a-z0-9]{17}/);
  });
});
