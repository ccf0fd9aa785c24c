import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { freePort } from "@orchestrator/local-redis";
import { testRedisUrl } from "@orchestrator/queue/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest } from "./fixtures/runs.js";
import { dispatchRun, scriptRun, startSim } from "./kube-harness.js";
import { type RedisContext, redisContext } from "./redis-context.js";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let ctx: RedisContext;
let sim: KubeSim;
let clients: KubeClients;
let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  ctx = await redisContext("wp");
  ({ sim, clients } = await startSim());
  dir = await mkdtemp(join(tmpdir(), "watcher-process-"));
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await sim.stop();
  await ctx.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe("watcher process", () => {
  it("runs alone from its environment, follows a run, reports ready, and stops cleanly on SIGTERM", async () => {
    const kubeconfig = join(dir, "kubeconfig.yaml");
    await sim.writeKubeconfig(kubeconfig);
    const port = await freePort();
    const metricsPort = await freePort();
    let output = "";
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: ctx.prefix,
        KUBECONFIG: kubeconfig,
        RUNTIME: "kubernetes",
        HEALTH_PORT: String(port),
        HEALTH_HOST: "127.0.0.1",
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        GITHUB_TOKEN: "ghp_must_never_be_logged",
        GITHUB_API_URL: "http://127.0.0.1:9/",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status;
    await expect.poll(ready, { timeout: 15_000, interval: 100 }).toBe(200);

    const { run } = await ctx.runStore.create({ request: codeRequest() });
    scriptRun(sim, run, {
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/o/r/pull/3" }),
    });
    await dispatchRun(clients, ctx.runStore, run);
    await expect
      .poll(async () => (await ctx.runStore.get(run.id))?.phase, { timeout: 10_000 })
      .toBe("Succeeded");
    // counted from the run event, which arrives just after the transition
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await expect
      .poll(metrics, { timeout: 15_000 })
      .toContain('orchestrator_runs_total{kind="code",phase="Succeeded",service="watcher"} 1');

    const exited = new Promise<number | null>((r) => child?.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("watcher started");
    expect(output).not.toContain("ghp_must_never_be_logged");
  }, 30_000);
});
