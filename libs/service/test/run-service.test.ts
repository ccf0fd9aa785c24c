import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { freePort } from "@orchestrator/local-redis";
import { testRedisUrl } from "@orchestrator/queue/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./fixture-service.ts", import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const until = async (text: string) => {
    const deadline = Date.now() + 60_000;
    while (!output.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${output}`);
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before "${text}":\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, until, output: () => output };
}

const redis = new Redis(testRedisUrl());
afterAll(() => redis.quit());

describe("runService: the start-up and shutdown shape of every service", () => {
  it("serves /ready and /metrics, then on SIGTERM runs the service's steps before closing Redis", async () => {
    await redis.del("fixture:started", "fixture:stopped-with-redis");
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const p = start({
      REDIS_URL: testRedisUrl(),
      HEALTH_PORT: String(healthPort),
      METRICS_PORT: String(metricsPort),
    });
    await p.until("fixture: after start");
    expect(await redis.get("fixture:started")).toBe("1");
    const ready = await fetch(`http://127.0.0.1:${healthPort}/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('service="fixture"');
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(await redis.get("fixture:stopped-with-redis")).toBe("ready");
  }, 90_000);

  it("exits 1 with one line naming the variable: bad config, a taken METRICS_PORT, fatal()", async () => {
    const blocker: Server = createServer();
    const taken = await freePort();
    await new Promise<void>((r) => blocker.listen(taken, "127.0.0.1", () => r()));
    try {
      const bad = start({ FIXTURE_BAD_CONFIG: "1", REDIS_URL: testRedisUrl() });
      const metrics = start({ REDIS_URL: testRedisUrl(), METRICS_PORT: String(taken) });
      const fatal = start({ REDIS_URL: testRedisUrl(), FIXTURE_FATAL: "1" });
      expect(await Promise.all([bad.exited, metrics.exited, fatal.exited])).toEqual([1, 1, 1]);
      expect(bad.output()).toContain("fixture: FIXTURE_BAD_CONFIG: must not be set");
      expect(bad.output()).not.toContain("    at ");
      expect(metrics.output()).toMatch(/^fixture: cannot serve \/metrics .*METRICS_PORT.*already in use/m);
      expect(fatal.output()).toContain("fixture: FIXTURE_FATAL says stop");
      expect(fatal.output()).not.toContain("    at ");
    } finally {
      blocker.close();
    }
  }, 90_000);

  it("waits for Redis by default (exit 1 naming Redis), or starts at once with redisAtStart background", async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const waiting = start({ REDIS_URL: dead });
    expect(await waiting.exited).toBe(1);
    expect(waiting.output()).toMatch(/fixture: .*Redis/);

    const healthPort = await freePort();
    const background = start({
      REDIS_URL: dead,
      FIXTURE_REDIS_AT_START: "background",
      HEALTH_PORT: String(healthPort),
    });
    await background.until("check REDIS_URL");
    const ready = await fetch(`http://127.0.0.1:${healthPort}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain("connecting");
    background.child.kill("SIGTERM");
    expect(await background.exited).toBe(0);
  }, 90_000);

  it("a REDIS_URL it refuses is named, but its password is never printed", async () => {
    const password = "s3cretRedisPassw0rd";
    // a typo in the scheme (redis-sentinel: instead of redis+sentinel:) with the password in the URL
    const bad = start({
      FIXTURE_REAL_CONFIG: "1",
      REDIS_URL: `redis-sentinel://:${password}@sentinel:26379/mymaster`,
    });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain("REDIS_URL");
    expect(bad.output()).not.toContain(password);
  }, 90_000);
});
