import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { codeRunRequestSchema, type RunRecord } from "@orchestrator/contracts";
import { createRenderer } from "@orchestrator/render";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { LocalRuntime, readLocalRunState } from "../src/index.js";

const SHIMS = fileURLToPath(new URL("./fixtures/", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "orch-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gitEnv = {
  PATH: process.env.PATH,
  HOME: root,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** A bare repository holding `files` on `main`; returns its path. */
function remote(name: string, files: Record<string, string>): string {
  const bare = join(root, "remotes", `${name}.git`);
  const work = join(root, "seed", name);
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  git(bare, "init", "--quiet", "--bare", "--initial-branch", "main");
  git(work, "init", "--quiet", "--initial-branch", "main");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "initial");
  git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
  return bare;
}

describe("local runtime with a rendered code run", () => {
  it("clones, runs the agent, pushes the feature branch, opens the PR and reports the result", async () => {
    const target = remote("trader", { "README.md": "# trader\n" });
    const docs = remote("platform", {
      "_projects/trader/.taskmaster/docs/task-1/task.md": "# Task 1\nAdd the feature.\n",
      "_projects/trader/.taskmaster/docs/task-1/prompt.md": "Implement task 1.\n",
    });
    const request = codeRunRequestSchema.parse({
      kind: "code",
      idempotencyKey: "e2e-1",
      source: { type: "cli" },
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "https://github.com/5dlabs/platform.git",
      docsProjectDirectory: "_projects/trader",
      workingDirectory: ".",
      model: "claude-sonnet-4-20250514",
      githubUser: "swe-1-5dlabs",
      taskId: 1,
      service: "trader",
    });
    const runId = "run-0e2e0000000000001";
    const renderer = await createRenderer();
    const { files } = renderer.render(request, { runId, attempt: 1, now: new Date("2026-01-01T00:00:00Z") });
    renderer.close();

    const tokenFile = join(root, "token");
    writeFileSync(tokenFile, "ghp_test\n", { mode: 0o600 });
    const shimLog = join(root, "shim.log");
    const dataDir = join(root, "data");
    // the request names GitHub; git is pointed at the local remotes instead, through the operator's git
    // config file (the scripts run git with a clean environment, so GIT_CONFIG_* variables would not reach it)
    const operatorGitConfig = join(root, "operator.gitconfig");
    writeFileSync(
      operatorGitConfig,
      `[url "file://${target}"]\n\tinsteadOf = https://github.com/5dlabs/trader.git\n` +
        `[url "file://${docs}"]\n\tinsteadOf = https://github.com/5dlabs/platform.git\n`,
    );
    // gh, too, runs with a clean environment: its shim learns where to log from a wrapper
    const bin = join(root, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "gh"),
      `#!/usr/bin/env bash\nexport SHIM_LOG='${shimLog}'\nexec '${SHIMS}gh' "$@"\n`,
      {
        mode: 0o755,
      },
    );
    // git records the developer variables it sees (it runs under env -i with a fixed list)
    const realGit = execFileSync("bash", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    writeFileSync(
      join(bin, "git"),
      `#!/usr/bin/env bash\necho "git-env proxy=\${HTTPS_PROXY:-} agent=\${SSH_AUTH_SOCK:-} ca=\${GIT_SSL_CAINFO:-} other=\${SHIM_LOG:-}" >>'${shimLog}'\nexec '${realGit}' "$@"\n`,
      { mode: 0o755 },
    );
    const runtime = new LocalRuntime({
      dataDir,
      path: `${bin}:${SHIMS}:${process.env.PATH}`,
      githubTokenFile: tokenFile,
      // the developer's proxy, ssh-agent and CA bundle (LOCAL_AGENT_ENV)
      agentEnv: {
        HTTPS_PROXY: "http://proxy.corp.example:3128",
        SSH_AUTH_SOCK: join(root, "agent.sock"),
        GIT_SSL_CAINFO: join(root, "ca.pem"),
      },
      baseEnv: { ORCH_GIT_EXTRA_CONFIG: operatorGitConfig, SHIM_LOG: shimLog },
      log: pino({ level: "silent" }),
    });
    const at = new Date().toISOString();
    const run: RunRecord = {
      id: runId,
      kind: "code",
      phase: "Rendering",
      request,
      createdAt: at,
      updatedAt: at,
      timeline: [],
      links: {},
      attempt: 1,
    };
    const { links } = await runtime.dispatch(run, files);

    const dir = links.localDir!;
    let state = await readLocalRunState(dir);
    const deadline = Date.now() + 30_000;
    while (state?.status !== "exited" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await readLocalRunState(dir);
    }
    const output = readFileSync(join(dir, "output.log"), "utf8");
    expect(state, output).toMatchObject({
      status: "exited",
      exitCode: 0,
      result: {
        outcome: "succeeded",
        pullRequestUrl: "https://github.com/5dlabs/trader/pull/42",
        sessionId: "5e55a1d0-0000-4000-8000-000000000001",
      },
    });
    const branch = state?.result?.branch ?? "";
    expect(branch).toMatch(/task-1/);
    expect(git(target, "log", "--format=%s", branch)).toContain("initial");
    expect(git(target, "show", `${branch}:src/feature.txt`)).toBe("implemented by the shim");
    // the workspace is the service's and stays for the next run
    expect(
      readFileSync(join(dataDir, "workspaces", "trader", "target-repo", "src", "feature.txt"), "utf8"),
    ).toContain("shim");
    const shimCalls = readFileSync(shimLog, "utf8");
    expect(shimCalls).toMatch(/^claude -p --output-format stream-json/m);
    expect(shimCalls).toContain("gh pr create --repo github.com/5dlabs/trader --base main");
    expect(shimCalls).toContain("token=ghp_test");
    // they reach the scripts' git; nothing else of the agent's environment does
    expect(shimCalls).toContain(
      `git-env proxy=http://proxy.corp.example:3128 agent=${join(root, "agent.sock")} ca=${join(root, "ca.pem")} other=\n`,
    );
  });

  it("fails a clone with git's own last error line as the reason, not a line number", async () => {
    const request = codeRunRequestSchema.parse({
      kind: "code",
      idempotencyKey: "e2e-2",
      source: { type: "cli" },
      repositoryUrl: "https://github.com/5dlabs/missing.git",
      docsRepositoryUrl: "https://github.com/5dlabs/missing.git",
      workingDirectory: ".",
      model: "claude-sonnet-4-20250514",
      githubUser: "swe-1-5dlabs",
      taskId: 1,
      service: "missing",
    });
    const runId = "run-0e2e0000000000002";
    const renderer = await createRenderer();
    const { files } = renderer.render(request, { runId, attempt: 1, now: new Date("2026-01-01T00:00:00Z") });
    renderer.close();
    const tokenFile = join(root, "token-2");
    writeFileSync(tokenFile, "ghp_test\n", { mode: 0o600 });
    // the developer's git config (LOCAL_AGENT_ENV's GIT_CONFIG_GLOBAL) points the URL at a missing remote
    const developerGitConfig = join(root, "developer.gitconfig");
    writeFileSync(
      developerGitConfig,
      `[url "file://${join(root, "remotes", "nowhere.git")}"]\n\tinsteadOf = https://github.com/5dlabs/missing.git\n`,
    );
    const runtime = new LocalRuntime({
      dataDir: join(root, "data-2"),
      path: `${SHIMS}:${process.env.PATH}`,
      githubTokenFile: tokenFile,
      agentEnv: { GIT_CONFIG_GLOBAL: developerGitConfig },
      log: pino({ level: "silent" }),
    });
    const at = new Date().toISOString();
    const run: RunRecord = {
      id: runId,
      kind: "code",
      phase: "Rendering",
      request,
      createdAt: at,
      updatedAt: at,
      timeline: [],
      links: {},
      attempt: 1,
    };
    const { links } = await runtime.dispatch(run, files);
    const dir = links.localDir!;
    let state = await readLocalRunState(dir);
    const deadline = Date.now() + 30_000;
    while (state?.status !== "exited" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await readLocalRunState(dir);
    }
    const reason = state?.result?.reason ?? "";
    expect(reason, readFileSync(join(dir, "output.log"), "utf8")).toMatch(
      /^updating the docs repository failed: fatal: '.*nowhere\.git' does not appear to be a git repository$/,
    );
    expect(reason).not.toMatch(/at line \d+/);
  });
});
