import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { canConnect, freePort } from "@orchestrator/local-redis";
import { afterEach, describe, expect, it } from "vitest";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("runs the whole system on the embedded defaults, answers /health and /ready, and stops cleanly on SIGTERM", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "orchestrator-start-"));
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      SERVER_PORT: String(port),
      // no SERVER_HOST / METRICS_HOST: a development install listens on this machine only
      METRICS_PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      // no REDIS_URL, no KUBECONFIG, no API_TOKENS: everything embedded
    };
    child = spawn("npm", ["start", "--silent"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/ready`).catch(() => undefined))?.status, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    // it started its own Redis and the local runtime, and left a token for the CLI
    const redisPort = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(redisPort).toBeGreaterThan(0);
    expect(output).toContain('"runtime":"local"');
    expect(output).toContain('"host":"127.0.0.1"');
    // /metrics, on its own port, is not exposed either
    const metricsPort = Number(/"metrics":"127\.0\.0\.1:(\d+)"/.exec(output)?.[1]);
    expect(metricsPort, output).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    const token = (await readFile(join(dataDir, "api-token"), "utf8")).trim();
    const runs = await fetch(`${base}/api/v1/runs`, { headers: { authorization: `Bearer ${token}` } });
    expect(runs.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect.poll(() => canConnect(port), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => canConnect(redisPort), { timeout: 10_000 }).toBe(false);
  });

  it("prints a short banner with the URL, token file and a first command on a terminal, and no JSON lines", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "orchestrator-start-"));
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      SERVER_PORT: String(port),
      METRICS_PORT: "0",
      DATA_DIR: dataDir,
    };
    // script(1) gives the process a terminal; the shell prints the pid the test stops with SIGTERM
    const command = `echo "pid $$"; exec node --import tsx ${join(REPO_ROOT, "apps/all-in-one/src/main.ts")}`;
    child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain("Ctrl-C stops it.");
    const pid = Number(/pid (\d+)/.exec(output)?.[1]);
    expect(output).toContain(`API      http://127.0.0.1:${port}`);
    expect(output).toContain(`console  http://127.0.0.1:${port}/ui`);
    expect(output).toContain(`token    ${join(dataDir, "api-token")}`);
    expect(output).toContain("npx orchestrator task code 1");
    expect(output).not.toContain('{"level"');
    await expect
      .poll(async () => await readFile(join(dataDir!, "orchestrator.log"), "utf8").catch(() => ""), {
        timeout: 10_000,
      })
      .toContain('"msg":"orchestrator started');
    const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
    process.kill(pid, "SIGTERM");
    await exited;
    await expect.poll(() => canConnect(port), { timeout: 10_000 }).toBe(false);
  });
});
