import { afterEach, describe, expect, it } from "vitest";
import { report, settle, until } from "../src/counts.js";
import { type FaultSystem, startFaultSystem } from "../src/fault-system.js";
import { RedisNode } from "../src/redis-node.js";

/**
 * Faults 6 and 7 of issue 11, and 3 as far as this branch goes: the split deployment serving logs, a
 * hung Redis (SIGSTOP: sockets open, nothing answers), and Redis restarted after runs ended.
 */
let redis: RedisNode | undefined;
let system: FaultSystem | undefined;
afterEach(async () => {
  redis?.resume();
  await system?.stop();
  await redis?.destroy();
  system = undefined;
  redis = undefined;
});

async function start(): Promise<FaultSystem> {
  redis = await RedisNode.create();
  await redis.start();
  system = await startFaultSystem({ redisUrl: redis.url });
  return system;
}

async function timed(url: string): Promise<{ status: number; ms: number; headers: Headers; body: string }> {
  const started = Date.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  const body = await response.text();
  return { status: response.status, ms: Date.now() - started, headers: response.headers, body };
}

describe("Redis faults and the split deployment", () => {
  it("fault 6: GET /api/v1/runs/:id/logs works with every service in its own process", async () => {
    const s = await start();
    const runId = await until("an accepted run", () => s.submit(6));
    const counts = await settle("f6-logs-split-deployment", [runId], s, {
      timeoutMs: 90_000,
      since: Date.now(),
    });
    expect(counts.phases[runId]).toBe("Succeeded");
    const logs = await s.api<string>("GET", `/api/v1/runs/${runId}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain("agent finished");
  });

  it("fault 7: /metrics answers fast and /ready says why (503 + Retry-After) while Redis hangs", async () => {
    const s = await start();
    const urls = Object.values(s.services).flatMap((list) =>
      list.map((service) => ({ name: service.name, ready: service.readyUrl })),
    );
    for (const { ready } of urls)
      expect((await timed(ready.replace(/\/ready$/, "/metrics"))).status).toBe(200);
    redis!.pause();
    const slowest: Record<string, number> = {};
    for (const { name, ready } of urls) {
      const metrics = await timed(ready.replace(/\/ready$/, "/metrics"));
      expect(metrics.status, `${name} /metrics`).toBe(200);
      expect(metrics.ms, `${name} /metrics took ${metrics.ms} ms`).toBeLessThan(3000);
      slowest[name] = metrics.ms;
      const answer = await timed(ready);
      expect(answer.status, `${name} /ready`).toBe(503);
      expect(answer.headers.get("retry-after"), `${name} Retry-After`).toMatch(/^\d+$/);
      // the watcher's readiness (branch res-watcher) still answers a bare boolean: a reason, not Redis's
      if (name !== "watcher") expect(JSON.parse(answer.body).reason, `${name} reason`).toMatch(/redis/i);
      else expect(JSON.parse(answer.body).reason, `${name} reason`).toBeTruthy();
    }
    redis!.resume();
    report({ scenario: "f7-metrics-while-redis-hangs", metricsMs: slowest });
    for (const { ready } of urls)
      await until(`${ready} ready again`, async () => (await timed(ready)).status === 200);
  });

  it("fault 3 (part): runs accepted before a Redis SIGKILL + restart (AOF) all finish, none twice", async () => {
    const s = await start();
    const runs: string[] = [];
    for (let n = 0; n < 4; n++) runs.push(await until("an accepted run", () => s.submit(30 + n)));
    await redis!.kill();
    await new Promise((r) => setTimeout(r, 2000));
    const restarted = Date.now();
    await redis!.start();
    const counts = await settle("f3-redis-restart", runs, s, { timeoutMs: 120_000, since: restarted });
    expect(counts.lost).toBe(0);
    expect(counts.duplicated).toBe(0);
  });

  // needs the watcher's durable final-phase effects (branch res-watcher): today the outcome handler
  // retries ~1.75 s and nothing drives the callback again until a watcher restart
  it.todo("fault 3: Redis restarted just after a run's final event → its callback is still delivered");
});
