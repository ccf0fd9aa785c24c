import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { report, settle, until } from "../src/counts.js";
import {
  type FaultSystem,
  type FaultSystemOptions,
  NAMESPACE,
  RUN_ANNOTATION,
  startFaultSystem,
} from "../src/fault-system.js";
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

async function start(options: Omit<FaultSystemOptions, "redisUrl"> = {}): Promise<FaultSystem> {
  redis = await RedisNode.create();
  await redis.start();
  system = await startFaultSystem({ redisUrl: redis.url, ...options });
  return system;
}

/** A callback receiver on loopback: records every delivery, answers 200. */
async function callbackReceiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
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
      list.map((service) => ({ name: service.name, ready: service.readyUrl, metrics: service.metricsUrl })),
    );
    for (const { metrics } of urls) expect((await timed(metrics)).status).toBe(200);
    redis!.pause();
    const slowest: Record<string, number> = {};
    for (const { name, ready, metrics: metricsUrl } of urls) {
      const metrics = await timed(metricsUrl);
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

  it("fault 3: the agent finishes while Redis is down → its run ends and its callback is delivered", async () => {
    // the agent runs 6 s: Redis is killed while it runs and restarted well after it ended, so the final
    // event happens with Redis away (longer than any in-process retry) and has to be recovered
    const receiver = await callbackReceiver();
    try {
      const s = await start({ outcomeFor: () => ({ durationMs: 6000 }) });
      const pods = s.sim.kubeConfig().makeApiClient(CoreV1Api);
      const id = await until("an accepted run", () => s.submit(40, { callbackUrl: receiver.url }));
      await until("the agent pod started", () => (s.podsStarted(id) > 0 ? true : undefined));
      await redis!.kill();
      await until("the agent pod finished", async () => {
        const list = await pods.listNamespacedPod({ namespace: NAMESPACE });
        const pod = list.items.find((p) => p.metadata?.annotations?.[RUN_ANNOTATION] === id);
        return pod?.status?.phase === "Succeeded" ? true : undefined;
      });
      await new Promise((r) => setTimeout(r, 3000));
      const restarted = Date.now();
      await redis!.start();
      const counts = await settle("f3-final-event-while-redis-down", [id], s, {
        timeoutMs: 120_000,
        since: restarted,
      });
      expect(counts.phases[id]).toBe("Succeeded");
      expect(counts.duplicated).toBe(0);
      await until("the callback delivered", () =>
        receiver.bodies.some((b) => b.includes(id)) ? true : undefined,
      );
      report({
        scenario: "f3-callback-after-redis-restart",
        callbacks: receiver.bodies.filter((b) => b.includes(id)).length,
        recoverySeconds: Math.round((Date.now() - restarted) / 100) / 10,
      });
    } finally {
      await receiver.close();
    }
  });
});
