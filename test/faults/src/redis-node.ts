import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort } from "@orchestrator/local-redis";

/**
 * One real redis-server (or sentinel) process on a fixed loopback port and data directory, so it can
 * be SIGKILLed, SIGSTOPped and started again with what it persisted (AOF, fsync always).
 */
export class RedisNode {
  private child: ChildProcess | undefined;
  private output = "";

  /** extra arguments (`--replicaof h p`), or for a sentinel its config file */
  args: string[] = [];
  sentinelConfig: string | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async create(): Promise<RedisNode> {
    const dir = await mkdtemp(join(tmpdir(), "orchestrator-faults-redis-"));
    return new RedisNode(await freePort(), dir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const where = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir];
    const args = this.sentinelConfig
      ? [this.sentinelConfig, "--sentinel", ...where]
      : [
          ...where,
          ...["--save", "", "--appendonly", "yes", "--appendfsync", "always"],
          ...["--maxmemory-policy", "noeviction"],
          ...this.args,
        ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    process.once("exit", () => child.kill("SIGKILL"));
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`redis-server did not listen on ${this.port}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no shutdown save, connections reset. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGSTOP: connections stay open and nothing answers (a hung Redis). */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  logs(): string {
    return this.output;
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
