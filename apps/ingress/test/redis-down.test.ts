import { ensureRedis, type LocalRedis } from "@orchestrator/local-redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grafanaNotification } from "./fixtures/alerts.js";
import { api, deliver, GRAFANA_TOKEN, githubExample, type Harness, startHarness } from "./harness.js";

let redis: LocalRedis;
let h: Harness;
beforeAll(async () => {
  redis = await ensureRedis();
  h = await startHarness({ redisUrl: redis.url });
});
afterAll(async () => {
  await h.close();
  await redis.stop();
});

describe("with Redis stopped", () => {
  it("answers webhooks and API calls 503, fails /ready, keeps serving /health, and recovers", async () => {
    const labeled = githubExample("issues", "labeled");
    labeled["label"] = { name: "orchestrator:code" };
    expect((await deliver(h, "issues", labeled)).status).toBe(202);

    await redis.stop();
    await expect.poll(() => h.redis.status).not.toBe("ready");

    const webhook = await deliver(h, "issues", labeled);
    expect(webhook).toMatchObject({ status: 503, body: { error: expect.stringMatching(/Redis/) } });
    const grafana = await fetch(`${h.base}/webhooks/grafana`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${GRAFANA_TOKEN}` },
      body: JSON.stringify(grafanaNotification()),
    });
    expect(grafana.status).toBe(503);
    expect(grafana.headers.get("retry-after")).toBe("5");
    const body = {
      kind: "docs",
      repositoryUrl: "git@github.com:o/r.git",
      sourceBranch: "main",
      githubUser: "u1",
    };
    expect((await api(h, "POST", "/api/v1/runs", { body })).status).toBe(503);
    expect((await api(h, "GET", "/api/v1/runs")).status).toBe(503);
    const ready = await fetch(`${h.base}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("5");
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/^redis connection is/);
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    // bad input is still told apart from an outage
    expect((await deliver(h, "issues", labeled, { secret: "wrong" })).status).toBe(401);

    const { startRedisServer } = await import("@orchestrator/local-redis");
    redis = await startRedisServer("redis-server", redis.port!);
    await expect.poll(() => h.redis.status, { timeout: 10_000 }).toBe("ready");
    expect((await fetch(`${h.base}/ready`)).status).toBe(200);
    expect((await api(h, "POST", "/api/v1/runs", { body })).status).toBe(202);
  });

  it("answers 503 within GitHub's 10 s timeout when Redis accepts connections but stops answering", async () => {
    const labeled = githubExample("issues", "labeled");
    labeled["label"] = { name: "orchestrator:code" };
    redis.process!.kill("SIGSTOP");
    try {
      const started = Date.now();
      const [webhook, list] = await Promise.all([
        deliver(h, "issues", labeled),
        api(h, "GET", "/api/v1/runs"),
      ]);
      expect(webhook.status).toBe(503);
      expect(list.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      redis.process!.kill("SIGCONT");
    }
    await expect.poll(async () => (await fetch(`${h.base}/ready`)).status, { timeout: 10_000 }).toBe(200);
  });
});
