import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseRunResult } from "@orchestrator/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type Renderer } from "../src/index.js";
import { createRemote, git, isolatedGitEnv, makeTempDir, remoteBranches } from "./support/git-fixtures.js";
import { docsRequest, FIXED_RUN } from "./support/requests.js";
import { filesContaining } from "./support/scan.js";
import {
  claudeCalls,
  createSandbox,
  ghCalls,
  optionValue,
  runBash,
  runContainerScript,
  serveOverSsh,
  setGitRewrites,
  sshCalls,
  TEST_TOKEN,
  writeConfig,
} from "./support/script-harness.js";

const SSH_URL = "git@github.com:5dlabs/platform.git";
const HTTPS_URL = "https://github.com/5dlabs/platform.git";
const TASKS = JSON.stringify({
  tasks: [
    { id: 1, title: "Set up the service", dependencies: [] },
    { id: 2, title: "Add the order book", dependencies: [1] },
  ],
});

function setup(
  url: string,
  files: Record<string, string> = { "_projects/trader/.taskmaster/tasks/tasks.json": TASKS },
) {
  const root = makeTempDir("docs");
  const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
  const remote = createRemote(root, "platform", { "README.md": "# platform\n", ...files }, gitEnv);
  const sandbox = createSandbox(root, { [url]: remote.url });
  return { remote, sandbox, gitEnv };
}

describe("docs container.sh", () => {
  let renderer: Renderer;
  beforeAll(async () => {
    renderer = await createRenderer();
  });
  afterAll(() => renderer.close());

  it("generates docs on a docs-generation branch and the Stop hook opens exactly one PR to the source branch", async () => {
    const { remote, sandbox, gitEnv } = setup(SSH_URL);
    const mainBefore = remoteBranches(remote.bare, gitEnv)["main"];
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status, run.stderr).toBe(0);
    const branches = remoteBranches(remote.bare, gitEnv);
    expect(branches["main"]).toBe(mainBefore);
    const docsBranch = Object.keys(branches).find((b) => b.startsWith("docs-generation-"));
    expect(docsBranch).toMatch(/^docs-generation-\d{8}-\d{6}$/);
    const committed = git(remote.bare, ["ls-tree", "-r", "--name-only", docsBranch!], gitEnv).split("\n");
    expect(committed).toEqual(
      expect.arrayContaining([
        "_projects/trader/.taskmaster/docs/task-1/task.md",
        "_projects/trader/.taskmaster/docs/task-1/prompt.md",
        "_projects/trader/.taskmaster/docs/task-2/acceptance-criteria.md",
      ]),
    );
    // only .taskmaster/docs is committed: no stray edits, no orchestrator files
    expect(committed.filter((f) => !f.includes(".taskmaster/") && f !== "README.md")).toEqual([]);

    const creates = ghCalls(sandbox).filter((c) => c.args[0] === "pr" && c.args[1] === "create");
    expect(creates).toHaveLength(1);
    expect(optionValue(creates[0]!.args, "--base")).toBe("main");
    expect(optionValue(creates[0]!.args, "--head")).toBe(docsBranch);
    expect(optionValue(creates[0]!.args, "--repo")).toBe("github.com/5dlabs/platform");
    expect(creates[0]!.ghToken).toBe(TEST_TOKEN);

    const [call] = claudeCalls(sandbox);
    expect(call!.args.slice(0, 4)).toEqual(["-p", "--output-format", "stream-json", "--verbose"]);
    expect(optionValue(call!.args, "--model")).toBe("claude-opus-4-20250514");
    expect(call!.cwd).toBe(join(sandbox.workspace, "repo", "_projects/trader"));
    expect(call!.prompt).toContain("# Generate Task Master documentation");
    expect(call!.env.GH_TOKEN).toBeNull();
    expect(run.stdout).toContain('"type":"result"');

    expect(run.result).toEqual({
      outcome: "succeeded",
      branch: docsBranch,
      commit: branches[docsBranch!],
      pullRequestUrl: "https://github.com/5dlabs/platform/pull/101",
      sessionId: "5e55a1d0-0000-4000-8000-000000000001",
      reason: "documentation pull request created: https://github.com/5dlabs/platform/pull/101",
    });
    expect(readFileSync(join(sandbox.workspace, ".orchestrator", "pr-url"), "utf8").trim()).toBe(
      run.result?.pullRequestUrl,
    );
  });

  it("sets up SSH with a private key copy, pinned GitHub host keys and strict host key checking", async () => {
    const { sandbox } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status, run.stderr).toBe(0);
    // while the agent ran: a private copy in the per-run auth directory, which the run removes at its end
    const ssh = claudeCalls(sandbox)[0]!.ssh!;
    expect(ssh.dirMode).toBe(0o700);
    expect(ssh.keyMode).toBe(0o600);
    expect(ssh.key).toContain("orchestrator-auth.");
    expect(existsSync(ssh.key)).toBe(false);
    expect(existsSync(join(sandbox.home, ".ssh", "id_orchestrator"))).toBe(false);
    const knownHosts = ssh.knownHosts!;
    expect(knownHosts).toContain(
      "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    );
    expect(knownHosts).toMatch(/^github\.com ecdsa-sha2-nistp256 /m);
    expect(knownHosts).toMatch(/^github\.com ssh-rsa /m);
    const sshCommand = claudeCalls(sandbox)[0]!.env.GIT_SSH_COMMAND!;
    expect(sshCommand).toContain("StrictHostKeyChecking=yes");
    expect(sshCommand).toContain("IdentitiesOnly=yes");
    expect(sshCommand).not.toContain("StrictHostKeyChecking=no");
  });

  it("relies on the managed settings when the Job mounted them, so the Stop hook runs exactly once", async () => {
    const { sandbox } = setup(SSH_URL);
    const { files } = renderer.render(docsRequest(), FIXED_RUN);
    writeConfig(sandbox, files);
    const managed = join(sandbox.root, "managed-settings.json");
    writeFileSync(managed, files["settings.json"]!);

    const run = await runContainerScript(sandbox, {
      FAKE_CLAUDE_MODE: "docs",
      ORCH_MANAGED_SETTINGS_FILE: managed,
    });

    expect(run.status, run.stderr).toBe(0);
    const workDir = join(sandbox.workspace, "repo", "_projects/trader");
    expect(existsSync(join(workDir, ".claude", "settings.json"))).toBe(false);
    expect(readFileSync(join(sandbox.shimLog, "stop-hooks.log"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(run.result?.outcome).toBe("succeeded");
  });

  it("clones and pushes over SSH with the key, strict host key checking and the pinned GitHub host keys", async () => {
    const root = makeTempDir("docs-ssh");
    const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
    const remote = createRemote(
      root,
      "platform",
      { "_projects/trader/.taskmaster/tasks/tasks.json": TASKS },
      gitEnv,
    );
    const sandbox = createSandbox(root, {});
    serveOverSsh(sandbox, { "github.com/5dlabs/platform.git": remote.bare });
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status, run.stderr).toBe(0);
    expect(remoteBranches(remote.bare, gitEnv)[run.result!.branch!]).toBe(run.result?.commit);
    const calls = sshCalls(sandbox);
    expect(calls.map((c) => c.command)).toEqual(
      expect.arrayContaining([
        "git-upload-pack '5dlabs/platform.git'",
        "git-receive-pack '5dlabs/platform.git'",
      ]),
    );
    const key = readFileSync(join(sandbox.sshKeyDir, "ssh-privatekey"), "utf8");
    const authDir = dirname(calls[0]!.identities[0]!);
    expect(authDir).toMatch(/orchestrator-auth\.[^/]+\/ssh$/);
    for (const call of calls) {
      expect(call.destination).toBe("git@github.com");
      expect(call.identities).toEqual([join(authDir, "id_orchestrator")]);
      expect(call.identityContents).toEqual([key]);
      expect(call.options).toMatchObject({
        IdentitiesOnly: "yes",
        StrictHostKeyChecking: "yes",
        UserKnownHostsFile: join(authDir, "known_hosts"),
        BatchMode: "yes",
      });
      expect(call.knownHosts).toMatch(
        /^github\.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl$/m,
      );
    }
  });

  it("fails over SSH when the host is not in the pinned known_hosts", async () => {
    const root = makeTempDir("docs-ssh-unknown");
    const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
    const remote = createRemote(
      root,
      "platform",
      { "_projects/trader/.taskmaster/tasks/tasks.json": TASKS },
      gitEnv,
    );
    const sandbox = createSandbox(root, {});
    serveOverSsh(sandbox, { "github.com/5dlabs/platform.git": remote.bare });
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, {
      FAKE_CLAUDE_MODE: "docs",
      ORCH_SSH_KNOWN_HOSTS:
        "ghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEnterpriseKeyForTestsOnly0000",
    });

    expect(run.status).not.toBe(0);
    // git's own error line, not a line number of the script
    expect(run.result?.reason).toMatch(/^cloning the repository failed: .*Host key verification failed/);
    expect(run.stderr).toContain("Host key verification failed");
    expect(claudeCalls(sandbox)).toEqual([]);
  });

  it("keeps the SSH key off the workspace when HOME lives on it", async () => {
    const { sandbox } = setup(SSH_URL);
    sandbox.env["HOME"] = join(sandbox.workspace, "home");
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status, run.stderr).toBe(0);
    expect(filesContaining(sandbox.workspace, "BEGIN OPENSSH PRIVATE KEY")).toEqual([]);
    expect(claudeCalls(sandbox)[0]!.env.GIT_SSH_COMMAND).toContain(join(sandbox.root, "tmp"));
  });

  it("uses $ORCH_SSH_KNOWN_HOSTS instead of the pinned keys when it is set", async () => {
    const { sandbox } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);
    const enterprise =
      "ghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEnterpriseKeyForTestsOnly000000000000000";

    const run = await runContainerScript(sandbox, {
      FAKE_CLAUDE_MODE: "docs",
      ORCH_SSH_KNOWN_HOSTS: enterprise,
    });

    expect(run.status, run.stderr).toBe(0);
    expect(claudeCalls(sandbox)[0]!.ssh!.knownHosts).toBe(`${enterprise}\n`);
  });

  it("authenticates HTTPS through a GIT_ASKPASS helper outside the workspace and never writes the token", async () => {
    const { sandbox } = setup(HTTPS_URL);
    writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: HTTPS_URL }), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status, run.stderr).toBe(0);
    const [call] = claudeCalls(sandbox);
    expect(call!.askpass?.output.trim()).toBe(TEST_TOKEN);
    expect(call!.askpass!.path.startsWith(sandbox.workspace)).toBe(false);
    expect(call!.askpass!.path.startsWith(join(sandbox.root, "tmp"))).toBe(true);
    // the helper directory is removed when the script ends
    expect(existsSync(call!.askpass!.path)).toBe(false);
    expect(call!.env.GH_TOKEN).toBeNull();
    expect(filesContaining(sandbox.workspace, TEST_TOKEN)).toEqual([]);
    expect(filesContaining(sandbox.home, TEST_TOKEN)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain(TEST_TOKEN);
    expect(run.result?.outcome).toBe("succeeded");
  });

  it("fails with a reason, before running Claude, when .taskmaster/tasks/tasks.json is missing", async () => {
    const { sandbox } = setup(SSH_URL, { "_projects/trader/README.md": "no tasks here\n" });
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.status).not.toBe(0);
    expect(run.result?.outcome).toBe("failed");
    expect(run.result?.reason).toContain("_projects/trader/.taskmaster/tasks/tasks.json not found");
    expect(run.result?.branch).toMatch(/^docs-generation-/);
    expect(claudeCalls(sandbox)).toEqual([]);
    expect(ghCalls(sandbox)).toEqual([]);
  });

  it("reports failure when Claude fails, even though the hook ran", async () => {
    const { sandbox } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs", FAKE_CLAUDE_EXIT: "3" });

    expect(run.status).not.toBe(0);
    expect(run.result?.outcome).toBe("failed");
    expect(run.result?.reason).toBe("Claude failed (exit 3): Simulated failure.");
    expect(run.result?.sessionId).toBe("5e55a1d0-0000-4000-8000-000000000001");
  });

  it("succeeds without a pull request when Claude changes nothing under .taskmaster/docs", async () => {
    const { sandbox } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "none" });

    expect(run.status, run.stderr).toBe(0);
    expect(run.result?.outcome).toBe("succeeded");
    expect(run.result?.pullRequestUrl).toBeUndefined();
    expect(run.result?.reason).toContain("no pull request");
    expect(ghCalls(sandbox)).toEqual([]);
  });

  it("names the failing step and command when git fails", async () => {
    const { sandbox } = setup(SSH_URL);
    setGitRewrites(sandbox.env, { [SSH_URL]: `file://${join(sandbox.root, "missing.git")}` });
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);

    const run = await runContainerScript(sandbox);

    expect(run.status).not.toBe(0);
    expect(run.result?.outcome).toBe("failed");
    // git's own error line, not a line number of the script
    expect(run.result?.reason).toMatch(
      /^cloning the repository failed: fatal: '.*missing\.git' does not appear to be a git repository$/,
    );
  });

  it("writes a failed result naming the signal when it is terminated while Claude runs", async () => {
    const { sandbox } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);
    const child = spawn("bash", [join(sandbox.configDir, "container.sh")], {
      env: { ...sandbox.env, FAKE_CLAUDE_MODE: "docs", FAKE_CLAUDE_SLEEP_MS: "30000" },
      stdio: "ignore",
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    await expect.poll(() => claudeCalls(sandbox).length, { timeout: 10_000, interval: 50 }).toBe(1);

    const started = Date.now();
    child.kill("SIGTERM");
    const status = await closed;

    expect(status).toBe(143);
    expect(Date.now() - started).toBeLessThan(10_000);
    const result = parseRunResult(readFileSync(sandbox.resultFile, "utf8"));
    expect(result).toMatchObject({ outcome: "failed", branch: expect.stringMatching(/^docs-generation-/) });
    expect(result?.reason).toMatch(/^terminated by SIGTERM while running Claude/);
  });

  it("the Stop hook reuses the open PR when it runs again, and never pushes the source branch", async () => {
    const { remote, sandbox, gitEnv } = setup(SSH_URL);
    writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);
    const first = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });
    expect(first.status, first.stderr).toBe(0);
    const workDir = join(sandbox.workspace, "repo", "_projects/trader");
    const hook = join(workDir, ".claude", "hooks", "stop-pr-creation.sh");

    const again = await runBash([hook], sandbox.env, workDir);
    expect(again.status).toBe(0);
    expect(readFileSync(join(sandbox.workspace, ".orchestrator", "hook-status"), "utf8").trim()).toBe(
      "reused",
    );
    expect(ghCalls(sandbox).filter((c) => c.args[1] === "create")).toHaveLength(1);

    // on the source branch the hook refuses to commit or push
    const mainBefore = remoteBranches(remote.bare, gitEnv)["main"];
    const repo = join(sandbox.workspace, "repo");
    git(repo, ["checkout", "--quiet", "main"], sandbox.env);
    const refused = await runBash([hook], sandbox.env, workDir);
    expect(refused.status).toBe(0);
    expect(readFileSync(join(sandbox.workspace, ".orchestrator", "hook-status"), "utf8")).toContain(
      "failed: refusing to commit on main",
    );
    expect(remoteBranches(remote.bare, gitEnv)["main"]).toBe(mainBefore);
  });

  describe("the workspace's clone", () => {
    const OTHER_URL = "git@github.com:5dlabs/other.git";

    function setupTwo() {
      const root = makeTempDir("docs-clone");
      const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
      const files = { "_projects/trader/.taskmaster/tasks/tasks.json": TASKS };
      const remote = createRemote(root, "platform", files, gitEnv);
      const other = createRemote(root, "other", files, gitEnv);
      const sandbox = createSandbox(root, {
        [SSH_URL]: remote.url,
        [HTTPS_URL]: remote.url,
        [OTHER_URL]: other.url,
      });
      return { sandbox, gitEnv };
    }

    it("reuses the clone when the same repository is asked for with another spelling", async () => {
      const { sandbox } = setupTwo();
      writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);
      expect((await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" })).status).toBe(0);
      const marker = join(sandbox.workspace, "repo", ".git", "kept-by-the-test");
      writeFileSync(marker, "");

      writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: HTTPS_URL }), FIXED_RUN).files);
      const again = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

      expect(again.status, again.stderr).toBe(0);
      expect(existsSync(marker)).toBe(true);
      expect(again.stderr).toContain(`is the same repository as ${HTTPS_URL}; URL updated`);
    });

    it("does not replace a clone of another repository that holds unpushed commits", async () => {
      const { sandbox, gitEnv } = setupTwo();
      writeConfig(sandbox, renderer.render(docsRequest(), FIXED_RUN).files);
      expect((await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" })).status).toBe(0);
      const repo = join(sandbox.workspace, "repo");
      git(repo, ["checkout", "--quiet", "-b", "local-work"], gitEnv);
      git(repo, ["commit", "--quiet", "--allow-empty", "-m", "not pushed"], gitEnv);

      writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: OTHER_URL }), FIXED_RUN).files);
      const refused = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

      expect(refused.status).not.toBe(0);
      expect(refused.result?.reason).toBe(
        `${repo} holds a clone of ${SSH_URL} with unpushed commits on local-work; refusing to replace it with ` +
          `the repository ${OTHER_URL}: push or discard that work first, or give this run another workspace`,
      );
      expect(git(repo, ["log", "-1", "--format=%s", "local-work"], gitEnv)).toBe("not pushed");
      expect(claudeCalls(sandbox)).toHaveLength(1);

      // untracked leftovers alone do not block: this checkout is the orchestrator's, not the agent's
      git(repo, ["checkout", "--quiet", "main"], gitEnv);
      git(repo, ["branch", "--quiet", "-D", "local-work"], gitEnv);
      writeFileSync(join(repo, "leftover.txt"), "scratch\n");
      const replaced = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });
      expect(replaced.status, replaced.stderr).toBe(0);
      expect(git(repo, ["config", "--get", "remote.origin.url"], gitEnv)).toBe(OTHER_URL);
    });
  });
});
