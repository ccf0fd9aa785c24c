import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The npm bin launcher, so every test also goes through what `npx orchestrator` runs. */
export const CLI_BIN = fileURLToPath(new URL("../bin/orchestrator.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcessOptions {
  /** @defaultValue an empty temporary directory outside any git checkout */
  cwd?: string;
  /** added to a minimal environment (PATH and a temporary HOME) */
  env?: Record<string, string | undefined>;
}

let emptyDir: string | undefined;

/** A directory that is not inside a git checkout and has no config files. */
export function outsideAnyCheckout(): string {
  emptyDir ??= mkdtempSync(join(tmpdir(), "orchestrator-cli-empty-"));
  return emptyDir;
}

function processEnv(options: CliProcessOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: outsideAnyCheckout(),
    // no machine git config, no prompts
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts `orchestrator <args>` as a child process. */
export function spawnCli(args: readonly string[], options: CliProcessOptions = {}): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? outsideAnyCheckout(),
    env: processEnv(options),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs `orchestrator <args>` to completion. */
export function runCli(args: readonly string[], options: CliProcessOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  child.stdin?.end();
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the first match of `pattern` in the child's stdout (the CLI prints the run id first). */
export function waitForStdout(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      child.stdout?.off("data", onData);
      reject(new Error(`no ${pattern} in stdout within ${timeoutMs} ms; got: ${seen}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
  });
}
