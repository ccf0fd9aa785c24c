import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alertmanagerNotification, grafanaNotification } from "./fixtures/alerts.js";
import { GRAFANA_TOKEN, type Harness, renderJobCount, startHarness } from "./harness.js";

const HMAC_SECRET = "grafana-hmac-secret";
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function post(
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${GRAFANA_TOKEN}` },
) {
  const res = await fetch(`${h!.base}/webhooks/grafana`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "Grafana", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { alerts?: Record<string, unknown>[]; error?: string },
  };
}

function signed(body: string, timestamp?: string, secret = HMAC_SECRET) {
  const hmac = createHmac("sha256", secret);
  if (timestamp) hmac.update(`${timestamp}:`);
  return hmac.update(body).digest("hex");
}

describe("Grafana and Alertmanager webhooks", () => {
  it("turns a firing Grafana alert matched by a route into a code run whose prompt describes the alert", async () => {
    h = await startHarness();
    const res = await post(grafanaNotification());
    expect(res.status).toBe(202);
    expect(res.body.alerts).toEqual([
      expect.objectContaining({ outcome: "accepted", fingerprint: "a4f3c1e2d5b6a7c8" }),
    ]);
    const run = await h.runStore.get(res.body.alerts![0]!["runId"] as string);
    expect(run?.request).toMatchObject({
      kind: "code",
      service: "trader",
      repositoryUrl: "git@github.com:5dlabs/trader.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
      githubUser: "swe-1-5dlabs",
      taskId: 0,
      source: {
        type: "grafana",
        flavour: "grafana",
        alertName: "TraderHighErrorRate",
        startsAt: "2025-07-28T09:14:30Z",
      },
    });
    const prompt = run?.request.instructions ?? "";
    for (const text of [
      "Error rate above 5% on trader",
      "5xx responses are 7.2%",
      "Runbook: https://runbooks.example.com/trader/errors",
      "Dashboard: https://grafana.example.com/d/trader-overview?orgId=1",
      "Panel: https://grafana.example.com/d/trader-overview?orgId=1&viewPanel=4",
      "Alert rule / query: https://grafana.example.com/alerting/grafana/bdt2x9/view",
      "- B = 0.072",
      "- severity = critical",
    ]) {
      expect(prompt).toContain(text);
    }
    expect(await renderJobCount(h)).toBe(1);
  });

  it("never starts a second run for re-sends of a still-firing alert", async () => {
    h = await startHarness();
    const first = await post(grafanaNotification());
    const resend = await post(grafanaNotification());
    expect(resend.status).toBe(200);
    expect(resend.body.alerts?.[0]).toMatchObject({
      outcome: "duplicate",
      runId: first.body.alerts?.[0]?.["runId"],
    });
    expect(await renderJobCount(h)).toBe(1);
  });

  it("routes Alertmanager alerts by their orchestrator_* labels and ignores alerts without routing", async () => {
    h = await startHarness();
    const res = await post(alertmanagerNotification());
    expect(res.status).toBe(202);
    expect(res.body.alerts?.map((a) => a["outcome"])).toEqual(["accepted", "ignored"]);
    expect(res.body.alerts?.[1]?.["reason"]).toMatch(
      /no orchestrator_service\/orchestrator_repository label/,
    );
    const run = await h.runStore.get(res.body.alerts?.[0]?.["runId"] as string);
    expect(run?.request).toMatchObject({
      service: "payments",
      repositoryUrl: "git@github.com:5dlabs/payments.git",
      source: { flavour: "alertmanager", fingerprint: "0b1c2d3e4f5a6b7c" },
    });
  });

  it("rejects unsafe routing label values instead of queueing them", async () => {
    h = await startHarness();
    const res = await post(alertmanagerNotification({ labels: { orchestrator_service: "pay;rm -rf" } }));
    expect(res.body.alerts?.[0]).toMatchObject({
      outcome: "ignored",
      reason: expect.stringMatching(/service: must match/),
    });
    expect(await renderJobCount(h)).toBe(0);
  });

  it("cancels a queued run when its alert resolves, and records resolution on a running one", async () => {
    h = await startHarness();
    const fired = await post(grafanaNotification());
    const runId = fired.body.alerts?.[0]?.["runId"] as string;
    const resolved = await post(grafanaNotification({ status: "resolved" }));
    expect(resolved.body.alerts?.[0]).toMatchObject({ outcome: "cancelled", runId });
    const cancelled = await h.runStore.get(runId);
    expect(cancelled?.phase).toBe("Cancelled");
    expect(cancelled?.alertResolvedAt).toBeDefined();
    expect(await h.controlQueue.getJob(`cancel-${runId}`)).toBeDefined();
    expect(await renderJobCount(h)).toBe(0);

    const again = await post(grafanaNotification({ startsAt: "2025-07-28T12:00:00Z" }));
    const second = again.body.alerts?.[0]?.["runId"] as string;
    expect(second).not.toBe(runId);
    for (const phase of ["Rendering", "Dispatched", "Pending", "Running"] as const) {
      await h.runStore.transition(second, phase, "test");
    }
    const later = await post(grafanaNotification({ status: "resolved", startsAt: "2025-07-28T12:00:00Z" }));
    expect(later.body.alerts?.[0]).toMatchObject({ outcome: "recorded", runId: second });
    const running = await h.runStore.get(second);
    expect(running?.phase).toBe("Running");
    expect(running?.alertResolvedAt).toBeDefined();
  });

  it("caps the runs one alert rule can start per window", async () => {
    h = await startHarness();
    const outcomes: unknown[] = [];
    for (const fingerprint of ["1111111111111111", "2222222222222222", "3333333333333333"]) {
      const res = await post(grafanaNotification({ fingerprint }));
      outcomes.push(res.body.alerts?.[0]?.["outcome"]);
    }
    expect(outcomes).toEqual(["accepted", "accepted", "ignored"]);
    expect(await renderJobCount(h)).toBe(2);
  });

  it("gives the rule's slot back when the run could not be recorded, so Grafana's retries still start runs", async () => {
    h = await startHarness();
    const outage = vi.spyOn(h.runStore, "create").mockRejectedValue(new Error("Connection is closed."));
    for (const fingerprint of ["1111111111111111", "2222222222222222", "3333333333333333"]) {
      expect((await post(grafanaNotification({ fingerprint }))).status).toBe(503);
    }
    outage.mockRestore();

    const outcomes: unknown[] = [];
    for (const fingerprint of ["1111111111111111", "2222222222222222", "3333333333333333"]) {
      const res = await post(grafanaNotification({ fingerprint }));
      outcomes.push(res.body.alerts?.[0]?.["outcome"]);
    }
    expect(outcomes).toEqual(["accepted", "accepted", "ignored"]);
    expect(await renderJobCount(h)).toBe(2);
  });

  it("keeps an alert's labels and annotations when some values are numbers, booleans or objects", async () => {
    h = await startHarness();
    const body = grafanaNotification();
    const alert: Record<string, unknown> = body.alerts[0]!;
    alert["labels"] = { ...body.alerts[0]!.labels, replicas: 3, canary: false, owner: { team: "trading" } };
    alert["annotations"] = { ...body.alerts[0]!.annotations, threshold: 0.05, paged: true, extra: null };

    const res = await post(body);

    expect(res.status).toBe(202);
    const run = await h.runStore.get(res.body.alerts![0]!["runId"] as string);
    const prompt = run?.request.instructions ?? "";
    for (const text of [
      "Error rate above 5% on trader",
      "Runbook: https://runbooks.example.com/trader/errors",
      "- severity = critical",
      "- replicas = 3",
      "- canary = false",
      "- threshold = 0.05",
      "- paged = true",
    ]) {
      expect(prompt).toContain(text);
    }
    expect(prompt).not.toContain("owner");
    expect(prompt).not.toContain("extra");
  });

  it("authenticates with bearer, basic auth or Grafana's HMAC, and rejects the rest", async () => {
    h = await startHarness({
      env: {
        GRAFANA_BASIC_AUTH: "grafana:s3cret-pass",
        GRAFANA_HMAC_SECRET: HMAC_SECRET,
        GRAFANA_HMAC_MAX_AGE: "5m",
      },
    });
    const body = JSON.stringify(grafanaNotification());
    const now = String(Math.floor(Date.now() / 1000));
    const basic = `Basic ${Buffer.from("grafana:s3cret-pass").toString("base64")}`;
    expect((await post(body, { authorization: basic })).status).toBe(202);
    expect((await post(body, { authorization: `Bearer ${GRAFANA_TOKEN}` })).status).toBe(200);
    const good = await post(body, {
      "x-grafana-alerting-signature": signed(body, now),
      "x-grafana-alerting-timestamp": now,
    });
    expect(good.status).toBe(200);

    const bad = await post(body, {
      "x-grafana-alerting-signature": signed(body, now, "other"),
      "x-grafana-alerting-timestamp": now,
    });
    expect(bad.status).toBe(401);
    const old = String(Number(now) - 3600);
    const stale = await post(body, {
      "x-grafana-alerting-signature": signed(body, old),
      "x-grafana-alerting-timestamp": old,
    });
    expect(stale).toMatchObject({ status: 401, body: { error: expect.stringMatching(/too old/) } });
    // a valid bearer does not rescue a forged signature
    const forged = await post(body, {
      authorization: `Bearer ${GRAFANA_TOKEN}`,
      "x-grafana-alerting-signature": "00",
    });
    expect(forged.status).toBe(401);
    expect((await post(body, { authorization: "Bearer wrong-token-123" })).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    expect(await renderJobCount(h)).toBe(1);
  });

  it("answers 400 listing what is wrong with a body that is not a notification", async () => {
    h = await startHarness();
    const res = await post({ alerts: [{ status: "firing" }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: "not a Grafana/Alertmanager notification",
      details: expect.arrayContaining([{ path: "alerts.0.labels", message: "required" }]),
    });
    expect((await post("{not json")).status).toBe(400);
  });
});
