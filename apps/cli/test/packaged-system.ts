import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@orchestrator/local-redis";
import { CLI_TEST_RULES } from "./ingress-harness.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** Builds the CLI package, packs it and installs the tarball into `prefix`; returns the installed bin. */
export function installPackagedCli(root: string): string {
  const packDir = join(root, "pack");
  const out = execFileSync(
    process.execPath,
    [join(REPO_ROOT, "apps/cli/scripts/build-package.mjs"), "--pack", packDir],
    { encoding: "utf8" },
  );
  const tarball = out.trim().split("\n").at(-1)!;
  const prefix = join(root, "prefix");
  // the package bundles everything: no registry is needed to install it
  execFileSync(
    "npm",
    ["install", "-g", "--prefix", prefix, tarball, "--offline", "--no-audit", "--no-fund"],
    {
      stdio: "ignore",
    },
  );
  return join(prefix, "bin", "orchestrator");
}

/** Writes an executable script. */
export function script(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

/** A bare repository holding `files` on `main`. */
export function bareRepo(root: string, name: string, files: Record<string, string>): string {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Fixture",
    GIT_AUTHOR_EMAIL: "fixture@example.com",
    GIT_COMMITTER_NAME: "Fixture",
    GIT_COMMITTER_EMAIL: "fixture@example.com",
  };
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env, stdio: "ignore" });
  const bare = join(root, "remotes", `${name}.git`);
  const work = join(root, "seed", name);
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  git(bare, "init", "--quiet", "--bare", "--initial-branch", "main");
  git(work, "init", "--quiet", "--initial-branch", "main");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(work, path, ".."), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "initial");
  git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
  return bare;
}

export interface RunningSystem {
  base: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `npm start` (the all-in-one process) with `env` only; resolves once /ready answers. */
export async function startSystem(env: Record<string, string>): Promise<RunningSystem> {
  const port = await freePort();
  // the rules name the users the tests use; /metrics on a free port of its own
  const rulesFile = join(mkdtempSync(join(tmpdir(), "orch-rules-")), "rules.yaml");
  writeFileSync(rulesFile, CLI_TEST_RULES);
  const defaults = { RULES_FILE: rulesFile, METRICS_PORT: "0" };
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "apps/all-in-one/src/main.ts")],
    {
      cwd: REPO_ROOT,
      env: { ...defaults, ...env, SERVER_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const status = (await fetch(`${base}/ready`).catch(() => undefined))?.status;
    if (status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the system did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
