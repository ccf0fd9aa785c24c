import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_INSTALL_HINT =
  "redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, " +
  "macOS: `brew install redis`) or point REDIS_URL at a running Redis (redis://host:6379).";

export class RedisNotInstalledError extends Error {
  override readonly name = "RedisNotInstalledError";
  constructor() {
    super(REDIS_INSTALL_HINT);
  }
}

export interface LocalRedis {
  /** redis:// URL to use */
  url: string;
  /** true when this process started the server (and will stop it) */
  started: boolean;
  stop(): Promise<void>;
  /** the child process, when started here (tests use it to simulate an outage) */
  process?: ChildProcess;
  port?: number;
}

export interface EnsureRedisOptions {
  /** an existing Redis to use instead of starting one (normally `process.env.REDIS_URL`) */
  url?: string | undefined;
  /** @defaultValue "redis-server" */
  binary?: string;
  /** @defaultValue a free loopback port */
  port?: number;
}

/**
 * Uses `options.url` when given; otherwise starts `redis-server` on a free loopback port with a
 * temporary directory, configured as the queues need it (no eviction, nothing persisted), and
 * stops it on `stop()` or when this process exits.
 */
export async function ensureRedis(options: EnsureRedisOptions = {}): Promise<LocalRedis> {
  if (options.url) return { url: options.url, started: false, stop: async () => {} };
  const binary = options.binary ?? "redis-server";
  if (spawnSync(binary, ["--version"], { stdio: "ignore" }).error) throw new RedisNotInstalledError();
  const port = options.port ?? (await freePort());
  return startRedisServer(binary, port);
}

export async function startRedisServer(binary: string, port: number): Promise<LocalRedis> {
  const dir = await mkdtemp(join(tmpdir(), "orchestrator-redis-"));
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--protected-mode",
      "yes",
    ],
    // its own process group: a terminal's Ctrl-C must not kill Redis before the services using it
    // have closed (they would flood the log with connection errors); the exit hook still stops it
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    if (output.length < 10_000) output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    if (output.length < 10_000) output += d.toString();
  });
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  try {
    await waitForPort(port, child, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    started: true,
    process: child,
    port,
    stop: async () => {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with code ${child.exitCode}: ${output()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not accept connections on port ${port} within 10s: ${output()}`);
}

/** Whether something accepts TCP connections on a loopback port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}
