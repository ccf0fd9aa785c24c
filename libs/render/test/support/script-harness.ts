import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RenderedFiles, RunResult } from "@orchestrator/contracts";
import { parseRunResult } from "@orchestrator/contracts";
import { shellQuote } from "../../src/index.js";
import { isolatedGitEnv } from "./git-fixtures.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

export const TEST_TOKEN = "ghp_TESTTOKEN0123456789abcdefABCDEF";

/** Everything one script run needs: a HOME, a workspace, secrets, PATH shims and URL rewrites to local remotes. */
export interface ScriptSandbox {
  root: string;
  home: string;
  configDir: string;
  workspace: string;
  resultFile: string;
  shimLog: string;
  tokenFile: string;
  sshKeyDir: string;
  /** environment for the scripts (no variables of the machine except PATH) */
  env: NodeJS.ProcessEnv;
}

/**
 * @param rewrites real-looking repository URL → local file:// URL, applied with git's `url.<base>.insteadOf`
 * through GIT_CONFIG_COUNT (so the request still carries the real URL)
 */
export function createSandbox(
  root: string,
  rewrites: Record<string, string>,
  workspace?: string,
): ScriptSandbox {
  const home = join(root, "home");
  const bin = join(root, "bin");
  const configDir = join(root, "config");
  const shimLog = join(root, "shim-log");
  const secrets = join(root, "secrets");
  const sshKeyDir = join(secrets, "ssh");
  const tmp = join(root, "tmp");
  for (const dir of [home, bin, configDir, shimLog, sshKeyDir, tmp]) mkdirSync(dir, { recursive: true });
  const tokenFile = join(secrets, "token");
  writeFileSync(tokenFile, `${TEST_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(sshKeyDir, "ssh-privatekey"), "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n", {
    mode: 0o600,
  });
  // git and gh run with a clean environment: the wrappers bring the shims' own settings (and the test's
  // FAKE_* switches, written by runContainerScript to shim-env)
  for (const tool of ["claude", "gh", "ssh"]) {
    const wrapper = join(bin, tool);
    writeFileSync(
      wrapper,
      [
        "#!/usr/bin/env bash",
        `export SHIM_LOG_DIR=${shellQuote(shimLog)} SHIM_SSH_MAP=${shellQuote(join(root, "ssh-served.json"))}`,
        `if [[ -f ${shellQuote(join(root, "shim-env"))} ]]; then . ${shellQuote(join(root, "shim-env"))}; fi`,
        `exec node ${join(FIXTURES, `${tool}-shim.mjs`)} "$@"`,
        "",
      ].join("\n"),
    );
    chmodSync(wrapper, 0o755);
  }
  const ws = workspace ?? join(root, "workspace");
  const env: NodeJS.ProcessEnv = {
    ...isolatedGitEnv(home),
    PATH: `${bin}:${process.env.PATH}`,
    TMPDIR: tmp,
    ORCH_CONFIG_DIR: configDir,
    ORCH_WORKSPACE_DIR: ws,
    ORCH_RESULT_FILE: join(root, "result.json"),
    ORCH_SSH_KEY_DIR: sshKeyDir,
    ORCH_GITHUB_TOKEN_FILE: tokenFile,
    ORCH_MANAGED_SETTINGS_FILE: join(root, "no-managed-settings.json"),
    SHIM_LOG_DIR: shimLog,
    SHIM_SSH_MAP: join(root, "ssh-served.json"),
  };
  // the fixture identity must not leak into the scripts' commits
  delete env["GIT_AUTHOR_NAME"];
  delete env["GIT_AUTHOR_EMAIL"];
  delete env["GIT_COMMITTER_NAME"];
  delete env["GIT_COMMITTER_EMAIL"];
  env["ORCH_GIT_EXTRA_CONFIG"] = join(root, "operator.gitconfig");
  // the test's own git calls read the same rewrites; the scripts ignore GIT_CONFIG_GLOBAL from the environment
  env["GIT_CONFIG_GLOBAL"] = env["ORCH_GIT_EXTRA_CONFIG"];
  setGitRewrites(env, rewrites);
  return {
    root,
    home,
    configDir,
    workspace: ws,
    resultFile: join(root, "result.json"),
    shimLog,
    tokenFile,
    sshKeyDir,
    env,
  };
}

/**
 * (Re)writes the operator's git config file (`$ORCH_GIT_EXTRA_CONFIG`, the one channel for git settings the scripts
 * accept) with `url.<local>.insteadOf <real>` rewrites and any extra `key → value` settings.
 */
export function setGitRewrites(
  env: NodeJS.ProcessEnv,
  rewrites: Record<string, string>,
  settings: Record<string, string> = {},
): void {
  const file = env["ORCH_GIT_EXTRA_CONFIG"]!;
  writeFileSync(file, "");
  const set = (key: string, value: string) =>
    execFileSync("git", ["config", "--file", file, "--add", key, value], { env: { PATH: process.env.PATH } });
  for (const [real, local] of Object.entries(rewrites)) set(`url.${local}.insteadOf`, real);
  for (const [key, value] of Object.entries(settings)) set(key, value);
}

/**
 * Serves bare repositories to the `ssh` shim: `repositories` maps "host/path" as git asks for it over SSH
 * (`github.com/5dlabs/platform.git` for `git@github.com:5dlabs/platform.git`) to a local bare repository. A URL
 * without an `insteadOf` rewrite then really goes through GIT_SSH_COMMAND.
 */
export function serveOverSsh(sandbox: ScriptSandbox, repositories: Record<string, string>): void {
  writeFileSync(sandbox.env["SHIM_SSH_MAP"]!, JSON.stringify(repositories));
}

/** One call of the `ssh` shim, as git made it. */
export interface SshCall {
  argv: string[];
  destination: string;
  port: string | null;
  /** the remote command, e.g. `git-upload-pack '5dlabs/platform.git'` */
  command: string;
  /** `-o` options by name */
  options: Record<string, string>;
  /** `-i` key files, and their contents when the call was made */
  identities: string[];
  identityContents: (string | null)[];
  /** contents of the UserKnownHostsFile when the call was made */
  knownHosts: string | null;
}

export function sshCalls(sandbox: ScriptSandbox): SshCall[] {
  const file = join(sandbox.shimLog, "ssh-calls.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SshCall);
}

/** Writes rendered files the way a ConfigMap volume would present them. */
export function writeConfig(sandbox: ScriptSandbox, files: RenderedFiles): void {
  for (const [key, content] of Object.entries(files)) writeFileSync(join(sandbox.configDir, key), content);
}

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  result: RunResult | undefined;
  resultText: string;
}

export function runBash(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `container.sh` from the sandbox's config dir, with `extraEnv` on top of the sandbox environment. */
export async function runContainerScript(
  sandbox: ScriptSandbox,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ScriptRun> {
  const shimEnv = Object.entries(extraEnv).filter(([name]) => name.startsWith("FAKE_"));
  writeFileSync(
    join(sandbox.root, "shim-env"),
    shimEnv.map(([name, value]) => `export ${name}=${shellQuote(String(value))}\n`).join(""),
  );
  // as the Job runs it: bash -p reads no BASH_ENV/ENV and ignores SHELLOPTS and exported functions
  const run = await runBash(
    ["-p", join(sandbox.configDir, "container.sh")],
    { ...sandbox.env, ...extraEnv },
    sandbox.root,
  );
  const resultText = existsSync(sandbox.resultFile) ? readFileSync(sandbox.resultFile, "utf8") : "";
  return { ...run, resultText, result: parseRunResult(resultText) };
}

export interface ClaudeCall {
  args: string[];
  prompt: string;
  promptVia: "argument" | "stdin";
  cwd: string;
  env: { GH_TOKEN: string | null; GIT_SSH_COMMAND: string | null; MCP_CLIENT_CONFIG: string | null };
  askpass: { path: string; output: string } | null;
  /** the SSH key and known_hosts as the agent saw them (modes, contents), when GIT_SSH_COMMAND names a key */
  ssh: { key: string; keyMode: number | null; dirMode: number | null; knownHosts: string | null } | null;
}

export function claudeCalls(sandbox: ScriptSandbox): ClaudeCall[] {
  return readdirSync(sandbox.shimLog)
    .filter((f) => f.startsWith("claude-call-"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(sandbox.shimLog, f), "utf8")) as ClaudeCall);
}

export function ghCalls(sandbox: ScriptSandbox): { args: string[]; ghToken: string | null }[] {
  const file = join(sandbox.shimLog, "gh-calls.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { args: string[]; ghToken: string | null });
}

/** The value after `name` in an argv. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}
