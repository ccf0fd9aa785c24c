import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { freePort } from "@orchestrator/local-redis";
import { testRedisUrl } from "@orchestrator/queue/testing";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));

function runMain(env: Record<string, string>, untilOutput?: RegExp) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const seen = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (untilOutput?.test(output)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, seen, exited, output: () => output };
}

describe("main (the ingress process)", () => {
  it("exits non-zero naming RULES_FILE and the bad path when the rules file is invalid", async () => {
    const run = runMain({
      RULES_FILE: fileURLToPath(new URL("./fixtures/bad-rules.yaml", import.meta.url)),
      SERVER_PORT: "0",
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/RULES_FILE .*bad-rules\.yaml is invalid/);
    expect(run.output()).toContain("grafana.maxRunsPerRule");
  });

  it("exits non-zero naming SERVER_PORT when the port is taken", async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      const run = runMain({ SERVER_PORT: String(port), SERVER_HOST: "127.0.0.1", REDIS_URL: testRedisUrl() });
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(/port \d+ is already in use: set SERVER_PORT/);
    } finally {
      blocker.close();
    }
  });

  it("starts, answers /health and /ready, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const run = runMain(
      {
        SERVER_PORT: String(port),
        SERVER_HOST: "127.0.0.1",
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: "test-main",
      },
      /connected to Redis/,
    );
    await run.seen;
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("keeps starting when Redis is unreachable, logging REDIS_URL, with /ready failing", async () => {
    const port = await freePort();
    const deadRedis = await freePort();
    const run = runMain(
      { SERVER_PORT: String(port), SERVER_HOST: "127.0.0.1", REDIS_URL: `redis://127.0.0.1:${deadRedis}` },
      // logged once the server listens (a connection error is logged earlier, before it does)
      /Redis is unreachable: check REDIS_URL/,
    );
    await run.seen;
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(503);
    // every line is a structured log line: no library prints raw errors on each reconnect
    expect(run.output()).not.toMatch(/^Error: /m);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });
});
