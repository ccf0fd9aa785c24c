import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bareRepo, installPackagedCli, type RunningSystem, script, startSystem } from "./packaged-system.js";
import { collect } from "./run-cli.js";

// The built CLI, installed from `npm pack` into a temporary prefix, run as a process against a
// running system (the all-in-one process, local runtime) with a fake `claude` and `gh`.
const root = mkdtempSync(join(tmpdir(), "orch-packaged-"));
const TOKEN = "packaged-test-token-0123456789";
let cli: string;
let agent: ChildProcess | undefined;
const systems: RunningSystem[] = [];

afterAll(async () => {
  for (const system of systems) await system.stop();
  agent?.kill("SIGTERM");
  rmSync(root, { recursive: true, force: true });
});

beforeAll(() => {
  cli = installPackagedCli(root);
}, 120_000);

function runCli(args: string[], base: string) {
  const cwd = join(root, "outside");
  mkdirSync(cwd, { recursive: true });
  const child = spawn(cli, args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: cwd,
      ORCHESTRATOR_API_URL: base,
      ORCHESTRATOR_TOKEN: TOKEN,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return collect(child);
}

const code = (taskId: number, ...extra: string[]) => [
  "task",
  "code",
  String(taskId),
  "--service",
  "trader",
  "--repo",
  "git@github.com:5dlabs/trader.git",
  "--platform-repository-url",
  "git@github.com:5dlabs/platform.git",
  "--github-user",
  "swe-1-5dlabs",
  "--watch",
  ...extra,
];

describe("the packaged CLI against a running system", () => {
  it("installs without the repository and answers --help without tsx", async () => {
    const help = await runCli(["--help"], "http://127.0.0.1:9");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: orchestrator");
    const mcp = await runCli(["mcp", "--help"], "http://127.0.0.1:9");
    expect(mcp.stdout).toContain("@5dlabs/orchestrator-cli");
    expect(mcp.stdout).not.toMatch(/-- npx orchestrator mcp/);
    expect(readFileSync(cli, "utf8")).not.toContain("tsx");
  });

  it("reaches the agent with a proxy-and-ssh-agent setup, resumes the task's session, and --watch follows retries", async () => {
    const bin = join(root, "bin");
    mkdirSync(bin, { recursive: true });
    const shimLog = join(root, "shim.log");
    script(
      join(bin, "claude"),
      `#!/usr/bin/env bash
set -eu
session="sess-$(date +%s%N)"
printf 'claude session=%s args=%s\\n' "$session" "$*" >> "$SHIM_LOG"
printf 'env SSH_AUTH_SOCK=%s HTTPS_PROXY=%s no_proxy=%s git-user=%s API_TOKENS=%s CALLBACK_SECRET=%s REDIS_URL=%s\\n' \\
  "\${SSH_AUTH_SOCK:-}" "\${HTTPS_PROXY:-}" "\${no_proxy:-}" "$(git config --global --includes --get user.name || true)" "\${API_TOKENS:-}" "\${CALLBACK_SECRET:-}" "\${REDIS_URL:-}" >> "$SHIM_LOG"
printf '{"type":"system","subtype":"init","session_id":"%s"}\\n' "$session"
if [[ -e $FAIL_ONCE ]]; then
  rm -f -- "$FAIL_ONCE"
  printf '{"type":"result","subtype":"error","is_error":true,"session_id":"%s","result":"simulated failure"}\\n' "$session"
  exit 1
fi
mkdir -p src
echo "work of $session" >> src/feature.txt
echo "Adds the feature." > PR_DESCRIPTION.md
printf '{"type":"result","subtype":"success","is_error":false,"session_id":"%s","result":"Done."}\\n' "$session"
`,
    );
    script(
      join(bin, "gh"),
      `#!/usr/bin/env bash
echo "gh $*" >> "$SHIM_LOG"
if [[ $1 == pr && $2 == create ]]; then echo "https://github.com/5dlabs/trader/pull/42"; fi
exit 0
`,
    );
    const trader = bareRepo(root, "trader", { "README.md": "# trader\n" });
    const platform = bareRepo(root, "platform", {
      "_projects/trader/.taskmaster/docs/task-1/task.md": "# Task 1\n",
      "_projects/trader/.taskmaster/docs/task-1/prompt.md": "Implement task 1.\n",
      "_projects/trader/.taskmaster/docs/task-2/task.md": "# Task 2\n",
      "_projects/trader/.taskmaster/docs/task-2/prompt.md": "Implement task 2.\n",
    });
    // the developer's own git config: identity, and the GitHub URLs pointing at local remotes
    const gitconfig = join(root, "gitconfig");
    const gitConfig = (...args: string[]) => execFileSync("git", ["config", "--file", gitconfig, ...args]);
    gitConfig("user.name", "Dev");
    gitConfig("user.email", "dev@example.com");
    gitConfig(`url.file://${trader}.insteadOf`, "git@github.com:5dlabs/trader.git");
    gitConfig(`url.file://${platform}.insteadOf`, "git@github.com:5dlabs/platform.git");
    // a real ssh-agent and no SSH key directory
    const sock = join(root, "agent.sock");
    agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    await expect.poll(() => existsSync(sock), { timeout: 10_000 }).toBe(true);
    const tokenFile = join(root, "github-token");
    writeFileSync(tokenFile, "gho_local_dev_token\n", { mode: 0o600 });
    const failOnce = join(root, "fail-once");
    const home = join(root, "home");
    mkdirSync(home, { recursive: true });
    const system = await startSystem({
      PATH: `${bin}:${process.env.PATH}`,
      HOME: home,
      DATA_DIR: join(root, "data"),
      LOG_LEVEL: "warn",
      API_TOKENS: `dev:${TOKEN}`,
      CALLBACK_SECRET: "callback-secret-never-for-agents",
      ANTHROPIC_API_KEY: "test-anthropic-key",
      LOCAL_GITHUB_TOKEN_FILE: tokenFile,
      GIT_CONFIG_GLOBAL: gitconfig,
      SSH_AUTH_SOCK: sock,
      HTTPS_PROXY: "http://proxy.corp.example:3128",
      no_proxy: "localhost,127.0.0.1",
      LOCAL_AGENT_ENV: "+SHIM_LOG,FAIL_ONCE",
      SHIM_LOG: shimLog,
      FAIL_ONCE: failOnce,
    });
    systems.push(system);

    const first = await runCli(code(1), system.base);
    expect(first.code, `${first.stdout}${first.stderr}\n${system.output()}`).toBe(0);
    expect(first.stdout).toContain("Succeeded");
    expect(first.stdout).toContain("pull request: https://github.com/5dlabs/trader/pull/42");
    const log = () => readFileSync(shimLog, "utf8");
    expect(log()).toContain(
      `env SSH_AUTH_SOCK=${sock} HTTPS_PROXY=http://proxy.corp.example:3128 no_proxy=localhost,127.0.0.1 git-user=Dev API_TOKENS= CALLBACK_SECRET= REDIS_URL=\n`,
    );
    const session1 = /claude session=(\S+) args=(.*)/.exec(log())!;
    expect(session1[2]).not.toContain("--resume");
    // no key material stays behind in the run's directory
    for (const run of readdirSync(join(root, "data", "runs"))) {
      expect(existsSync(join(root, "data", "runs", run, "tmp"))).toBe(false);
      expect(existsSync(join(root, "data", "runs", run, "home", ".ssh"))).toBe(false);
    }

    const second = await runCli(code(1), system.base);
    expect(second.code, second.stderr).toBe(0);
    const calls = [...log().matchAll(/claude session=(\S+) args=(.*)/g)];
    expect(calls).toHaveLength(2);
    expect(calls[1]![2]).toContain(`--resume ${session1[1]}`);

    // the first attempt fails, the automatic retry succeeds: --watch ends with the retry's outcome
    writeFileSync(failOnce, "");
    const retried = await runCli(code(2, "--max-retries", "1"), system.base);
    expect(retried.code, `${retried.stdout}${retried.stderr}`).toBe(0);
    expect(retried.stdout).toMatch(/Failed; retried as run-\S+ \(attempt 2\)/);
    expect(retried.stdout).toMatch(/✔ run-\S+ Succeeded/);
  }, 300_000);

  it("refuses a run the machine cannot start, each problem naming what fixes it", async () => {
    // a machine with bash, git and node but no gh or claude, no credentials of any kind
    const bin = join(root, "bare-bin");
    mkdirSync(bin, { recursive: true });
    for (const tool of ["bash", "git", "node", "redis-server"]) {
      const path = execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
      symlinkSync(path, join(bin, tool));
    }
    const home = join(root, "bare-home");
    mkdirSync(home, { recursive: true });
    const system = await startSystem({
      PATH: bin,
      HOME: home,
      DATA_DIR: join(root, "bare-data"),
      LOG_LEVEL: "warn",
      API_TOKENS: `dev:${TOKEN}`,
    });
    systems.push(system);

    const ssh = await runCli(code(1), system.base);
    expect(ssh.code).toBe(1);
    expect(ssh.stderr).toContain("(HTTP 422)");
    expect(ssh.stderr).toContain("`claude` is not on the PATH");
    expect(ssh.stderr).toContain("npm install -g @anthropic-ai/claude-code");
    expect(ssh.stderr).toContain("`gh` is not on the PATH");
    expect(ssh.stderr).toContain("https://cli.github.com");
    expect(ssh.stderr).toMatch(/set LOCAL_SSH_KEY_DIR .*ssh-agent \(SSH_AUTH_SOCK/);
    expect(ssh.stderr).toContain("set ANTHROPIC_API_KEY, or run `claude login`");

    const https = await runCli(
      [
        "task",
        "docs",
        "--repository-url",
        "https://github.com/5dlabs/trader.git",
        "--source-branch",
        "main",
      ].concat(["--working-directory", ".", "--github-user", "swe-1-5dlabs", "--no-watch"]),
      system.base,
    );
    expect(https.code).toBe(1);
    expect(https.stderr).toContain("set LOCAL_GITHUB_TOKEN_FILE");
    const runs = await runCli(["runs", "list", "-o", "json"], system.base);
    expect(JSON.parse(runs.stdout)).toMatchObject({ runs: [] });
  }, 300_000);
});
