import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export type ServiceName = "ingress" | "renderer" | "dispatcher" | "watcher";

/** The built bundle of a service: what the image runs (`npm run build`; the global setup builds it). */
export function bundlePath(name: ServiceName): string {
  return resolve(REPO_ROOT, "apps", name, "dist", "main.js");
}

/**
 * One service as its own OS process, started from its built bundle with plain `node` exactly as the
 * image starts it (`node apps/<name>/dist/main.js`), with its output kept for the failure message of a
 * test. `metricsUrl` is its separate Prometheus port.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
    readonly readyUrl: string,
    readonly metricsUrl: string,
  ) {}

  async start(timeoutMs = 30_000): Promise<void> {
    // SERVICE_CPU_PROF_DIR: each service writes a V8 CPU profile there when it exits (bench profiling)
    const profile = process.env.SERVICE_CPU_PROF_DIR;
    const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
    const child = spawn(process.execPath, [...flags, "--enable-source-maps", bundlePath(this.name)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.logs()}`);
      try {
        if ((await fetch(this.readyUrl)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready at ${this.readyUrl} within ${timeoutMs} ms:\n${this.logs()}`);
  }

  /** The environment it is started with (a replica of it is started with the same, other ports). */
  get environment(): Record<string, string> {
    return { ...this.env };
  }

  /** The OS process id while it runs (the benchmarks read its RSS and CPU time from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL: the process gets no chance to clean up (a crash). */
  async kill(): Promise<void> {
    await this.stop("SIGKILL");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  logs(): string {
    return this.output.join("").split("\n").slice(-60).join("\n");
  }
}
