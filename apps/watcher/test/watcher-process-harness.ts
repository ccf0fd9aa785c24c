import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@orchestrator/local-redis";
import { testRedisUrl } from "@orchestrator/queue/testing";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface WatcherProcess {
  child: ChildProcess;
  port: number;
  /** everything it wrote to stdout and stderr so far */
  output(): string;
  /** status of GET /ready (undefined: not answering) */
  ready(): Promise<number | undefined>;
  metrics(): Promise<string>;
  /** resolves with the exit code */
  exited: Promise<number | null>;
}

/** Starts `src/main.ts` as its own process (as in production), on the test Redis and the given kubeconfig. */
export async function spawnWatcher(options: {
  home: string;
  prefix: string;
  kubeconfig: string;
  env?: Record<string, string>;
}): Promise<WatcherProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: options.home,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: options.prefix,
      KUBECONFIG: options.kubeconfig,
      RUNTIME: "kubernetes",
      HEALTH_PORT: String(port),
      HEALTH_HOST: "127.0.0.1",
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    port,
    output: () => output,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status,
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    exited,
  };
}
