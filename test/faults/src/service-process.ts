import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export type ServiceName = "ingress" | "renderer" | "dispatcher" | "watcher";

/**
 * One replica of a service as its own OS process (`node --import tsx apps/<name>/src/main.ts`): started,
 * SIGKILLed, SIGTERMed and started again; its exit code and output are kept.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];

  constructor(
    readonly name: ServiceName,
    readonly env: Record<string, string>,
    readonly readyUrl: string,
  ) {}

  /** `/metrics` lives on its own port (METRICS_PORT), never on the health or public port */
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.env.METRICS_PORT}/metrics`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; with `waitReady` also waits for /ready to answer 200. */
  async start(waitReady = true, timeoutMs = 150_000): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", `apps/${this.name}/src/main.ts`], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    process.once("exit", () => child.kill("SIGKILL"));
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 600) this.output.splice(0, 200);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    if (!waitReady) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.logs()}`);
      try {
        if ((await fetch(this.readyUrl)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${this.name} not ready at ${this.readyUrl} within ${timeoutMs} ms:\n${this.logs()}`);
  }

  /** SIGKILL: a crash, nothing cleaned up. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /**
   * Sends `signal` and waits for the exit. Returns the exit code (null when killed by a signal) and
   * how long the exit took, ms.
   */
  async signal(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<{ code: number | null; ms: number }> {
    const child = this.child;
    if (!child || !this.running) return { code: child?.exitCode ?? null, ms: 0 };
    const started = Date.now();
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    const ms = Date.now() - started;
    if (this.running) child.kill("SIGKILL");
    return { code: child.exitCode, ms };
  }

  logs(lines = 80): string {
    return this.output.join("").split("\n").slice(-lines).join("\n");
  }
}
