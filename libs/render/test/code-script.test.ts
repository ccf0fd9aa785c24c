import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type Renderer } from "../src/index.js";
import { createRemote, git, isolatedGitEnv, makeTempDir, remoteBranches } from "./support/git-fixtures.js";
import { codeRequest, FIXED_RUN } from "./support/requests.js";
import { filesContaining } from "./support/scan.js";
import {
  claudeCalls,
  createSandbox,
  ghCalls,
  optionValue,
  runContainerScript,
  type ScriptSandbox,
  serveOverSsh,
  sshCalls,
  TEST_TOKEN,
  writeConfig,
} from "./support/script-harness.js";

const TARGET_URL = "git@github.com:5dlabs/trader.git";
const DOCS_URL = "git@github.com:5dlabs/platform.git";
const FEATURE = "feature/task-1-implementation";
const TASK_DIR = "_projects/trader/.taskmaster/docs/task-1";

interface SetupOptions {
  targetUrl?: string;
  /** other spellings of the destination repository, served by the same remote */
  aliases?: string[];
  /** other spellings of the docs repository */
  docsAliases?: string[];
  /** more repositories (URL → name), each with a README on main */
  others?: Record<string, string>;
  /** serve the two SSH URLs through the `ssh` shim (GIT_SSH_COMMAND) instead of rewriting them to file:// */
  overSsh?: boolean;
}

function setup(options: SetupOptions = {}) {
  const { targetUrl = TARGET_URL, aliases = [], docsAliases = [], others = {}, overSsh = false } = options;
  const root = makeTempDir("code");
  const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
  const docs = createRemote(
    root,
    "platform",
    {
      [`${TASK_DIR}/task.md`]: "# Task 1: order book\n",
      [`${TASK_DIR}/acceptance-criteria.md`]: "- [ ] orders match\n",
      [`${TASK_DIR}/prompt.md`]: "Build the order book of task 1 (from the docs repository).\n",
      "_projects/trader/.taskmaster/docs/architecture.md": "# Architecture\n",
    },
    gitEnv,
  );
  const target = createRemote(root, "trader", { "README.md": "# trader\n" }, gitEnv);
  const rewrites: Record<string, string> = overSsh ? {} : { [targetUrl]: target.url, [DOCS_URL]: docs.url };
  for (const alias of aliases) rewrites[alias] = target.url;
  for (const alias of docsAliases) rewrites[alias] = docs.url;
  for (const [url, name] of Object.entries(others)) {
    rewrites[url] = createRemote(root, name, { "README.md": `# ${name}\n` }, gitEnv).url;
  }
  const sandbox = createSandbox(root, rewrites);
  if (overSsh) {
    serveOverSsh(sandbox, {
      "github.com/5dlabs/trader.git": target.bare,
      "github.com/5dlabs/platform.git": docs.bare,
    });
  }
  return { root, sandbox, target, docs, gitEnv };
}

function committedFiles(bare: string, ref: string, env: NodeJS.ProcessEnv): string[] {
  return git(bare, ["ls-tree", "-r", "--name-only", ref], env).split("\n");
}

describe("code container.sh", () => {
  let renderer: Renderer;
  beforeAll(async () => {
    renderer = await createRenderer();
  });
  afterAll(() => renderer.close());

  async function run(sandbox: ScriptSandbox, request = codeRequest(), runInfo = FIXED_RUN, env = {}) {
    writeConfig(sandbox, renderer.render(request, runInfo).files);
    return runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code", ...env });
  }

  it("copies the task docs, creates the feature branch, runs Claude with MCP and opens the PR to the base branch", async () => {
    const { sandbox, target, gitEnv } = setup();

    const first = await run(sandbox);

    expect(first.status, first.stderr).toBe(0);
    const workDir = join(sandbox.workspace, "target-repo");
    for (const file of ["task.md", "acceptance-criteria.md", "architecture.md", "prompt.md"]) {
      expect(existsSync(join(workDir, "task", file)), file).toBe(true);
    }
    expect(readFileSync(join(workDir, "task", "architecture.md"), "utf8")).toBe("# Architecture\n");
    expect(JSON.parse(readFileSync(join(workDir, ".mcp.json"), "utf8"))).toHaveProperty("mcpServers.toolman");
    expect(existsSync(join(workDir, "client-config.json"))).toBe(true);
    expect(existsSync(join(workDir, "CLAUDE.md"))).toBe(true);

    const branches = remoteBranches(target.bare, gitEnv);
    expect(Object.keys(branches).sort()).toEqual([FEATURE, "main"]);
    const files = committedFiles(target.bare, FEATURE, gitEnv);
    expect(files.sort()).toEqual(["README.md", "src/feature.txt"]);

    const [call] = claudeCalls(sandbox);
    expect(call!.args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--model",
      "claude-sonnet-4-20250514",
      "--mcp-config",
      ".mcp.json",
      call!.prompt,
    ]);
    expect(call!.cwd).toBe(workDir);
    expect(call!.prompt).toContain("Build the order book of task 1 (from the docs repository).");
    expect(call!.prompt).not.toContain("orchestrator:task-prompt");
    expect(call!.env.MCP_CLIENT_CONFIG).toBe(join(workDir, "client-config.json"));

    const creates = ghCalls(sandbox).filter((c) => c.args[1] === "create");
    expect(creates).toHaveLength(1);
    expect(optionValue(creates[0]!.args, "--base")).toBe("main");
    expect(optionValue(creates[0]!.args, "--head")).toBe(FEATURE);
    expect(readFileSync(optionValue(creates[0]!.args, "--body-file")!, "utf8")).toContain(
      "Adds the feature.",
    );

    expect(first.result).toEqual({
      outcome: "succeeded",
      branch: FEATURE,
      commit: branches[FEATURE],
      pullRequestUrl: "https://github.com/5dlabs/trader/pull/101",
      sessionId: "5e55a1d0-0000-4000-8000-000000000001",
      reason: "pull request created: https://github.com/5dlabs/trader/pull/101",
    });
  });

  it("resumes the feature branch on later runs: --resume with a session id, --continue otherwise, from the remote when the workspace is gone", async () => {
    const { sandbox, target, gitEnv } = setup();
    const first = await run(sandbox);
    expect(first.status, first.stderr).toBe(0);
    const firstCommit = first.result!.commit!;
    const workDir = join(sandbox.workspace, "target-repo");
    writeFileSync(join(workDir, "CLAUDE.md"), "# memory kept by the agent\n");

    // attempt 2: resume the recorded session; CLAUDE.md is kept (overwriteMemory off)
    const second = await run(
      sandbox,
      codeRequest({
        sessionId: first.result!.sessionId!,
        continueSession: true,
        contextVersion: 2,
        promptModification: "Also handle partial fills.",
      }),
      { ...FIXED_RUN, runId: "run-20250726-0002", attempt: 2 },
      { FAKE_CLAUDE_COMMIT: "1" },
    );
    expect(second.status, second.stderr).toBe(0);
    const secondCall = claudeCalls(sandbox)[1]!;
    expect(optionValue(secondCall.args, "--resume")).toBe(first.result!.sessionId);
    expect(secondCall.args).not.toContain("--continue");
    expect(secondCall.prompt).toContain("Also handle partial fills.");
    expect(secondCall.prompt).toContain("## This is attempt 2");
    expect(readFileSync(join(workDir, "CLAUDE.md"), "utf8")).toBe("# memory kept by the agent\n");
    expect(second.stderr).toContain(`feature branch ${FEATURE}: resumed (local)`);
    const history = git(target.bare, ["rev-list", FEATURE], gitEnv).split("\n");
    expect(history).toContain(firstCommit);
    expect(second.result?.pullRequestUrl).toBe(first.result?.pullRequestUrl);
    expect(ghCalls(sandbox).filter((c) => c.args[1] === "create")).toHaveLength(1);

    // attempt 3: a new workspace (e.g. another node); continueSession only; overwriteMemory replaces CLAUDE.md
    rmSync(workDir, { recursive: true, force: true });
    const third = await run(
      sandbox,
      codeRequest({ continueSession: true, overwriteMemory: true, contextVersion: 3 }),
      { ...FIXED_RUN, runId: "run-20250726-0003", attempt: 3 },
    );
    expect(third.status, third.stderr).toBe(0);
    const thirdCall = claudeCalls(sandbox)[2]!;
    expect(thirdCall.args).toContain("--continue");
    expect(thirdCall.args).not.toContain("--resume");
    expect(third.stderr).toContain(`feature branch ${FEATURE}: resumed (remote)`);
    expect(readFileSync(join(workDir, "CLAUDE.md"), "utf8")).toContain("# Task 1 of trader");
    const finalHistory = git(target.bare, ["rev-list", FEATURE], gitEnv).split("\n");
    expect(finalHistory).toEqual(expect.arrayContaining(history));
    expect(finalHistory.length).toBeGreaterThan(history.length);
    expect(remoteBranches(target.bare, gitEnv)["main"]).toBe(git(target.bare, ["rev-parse", "main"], gitEnv));
  });

  it("fails with a reason when the task's documentation is missing and there are no instructions", async () => {
    const { sandbox } = setup();

    const result = await run(sandbox, codeRequest({ taskId: 7 }));

    expect(result.status).not.toBe(0);
    expect(result.result?.outcome).toBe("failed");
    expect(result.result?.reason).toContain(
      "task documentation not found: _projects/trader/.taskmaster/docs/task-7",
    );
    expect(result.result?.branch).toBe("feature/task-7-implementation");
    expect(claudeCalls(sandbox)).toEqual([]);
  });

  it("works from the request's instructions when the task has no documentation", async () => {
    const { sandbox } = setup();

    const result = await run(
      sandbox,
      codeRequest({ taskId: 7, instructions: "Fix the crash in the matcher (issue #12)." }),
    );

    expect(result.status, result.stderr).toBe(0);
    const [call] = claudeCalls(sandbox);
    expect(call!.prompt).toContain("Fix the crash in the matcher (issue #12).");
    expect(call!.prompt).toContain("Implement Task Master task 7 of the `trader` service");
  });

  it("replaces the task prompt with promptModification in replace mode", async () => {
    const { sandbox } = setup();

    const result = await run(
      sandbox,
      codeRequest({ promptMode: "replace", promptModification: "Only fix the flaky test." }),
    );

    expect(result.status, result.stderr).toBe(0);
    const [call] = claudeCalls(sandbox);
    expect(call!.prompt).toContain("Only fix the flaky test.");
    expect(call!.prompt).not.toContain("Build the order book");
  });

  it("authenticates an https destination with the token and the SSH docs repository with the key", async () => {
    const httpsUrl = "https://github.com/5dlabs/trader.git";
    const { sandbox } = setup({ targetUrl: httpsUrl });

    const result = await run(sandbox, codeRequest({ repositoryUrl: httpsUrl }));

    expect(result.status, result.stderr).toBe(0);
    const [call] = claudeCalls(sandbox);
    expect(call!.askpass?.output.trim()).toBe(TEST_TOKEN);
    expect(call!.env.GIT_SSH_COMMAND).toContain("StrictHostKeyChecking=yes");
    expect(optionValue(ghCalls(sandbox)[0]!.args, "--repo")).toBe("github.com/5dlabs/trader");
    expect(filesContaining(sandbox.workspace, TEST_TOKEN)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(TEST_TOKEN);
  });

  it("clones both repositories and pushes over SSH with the key, strict host key checking and the pinned hosts", async () => {
    const { sandbox, target, gitEnv } = setup({ overSsh: true });

    const result = await run(sandbox);

    expect(result.status, result.stderr).toBe(0);
    expect(remoteBranches(target.bare, gitEnv)[FEATURE]).toBe(result.result?.commit);
    const calls = sshCalls(sandbox);
    expect(calls.map((c) => c.command)).toEqual(
      expect.arrayContaining([
        "git-upload-pack '5dlabs/platform.git'",
        "git-upload-pack '5dlabs/trader.git'",
        "git-receive-pack '5dlabs/trader.git'",
      ]),
    );
    const key = readFileSync(join(sandbox.sshKeyDir, "ssh-privatekey"), "utf8");
    // the key lives in the per-run auth directory, which is gone after the run
    const authDir = dirname(calls[0]!.identities[0]!);
    expect(authDir).toMatch(/orchestrator-auth\.[^/]+\/ssh$/);
    expect(existsSync(authDir)).toBe(false);
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
      expect(call.knownHosts).toContain(
        "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      );
    }
  });

  it("reports a failed run and keeps the work uncommitted when Claude fails", async () => {
    const { sandbox, target, gitEnv } = setup();

    const result = await run(sandbox, codeRequest(), FIXED_RUN, { FAKE_CLAUDE_EXIT: "1" });

    expect(result.status).not.toBe(0);
    expect(result.result).toMatchObject({
      outcome: "failed",
      branch: FEATURE,
      sessionId: "5e55a1d0-0000-4000-8000-000000000001",
    });
    expect(result.result?.reason).toContain("Claude failed (exit 1)");
    expect(Object.keys(remoteBranches(target.bare, gitEnv))).toEqual(["main"]);
    expect(ghCalls(sandbox)).toEqual([]);
    expect(existsSync(join(sandbox.workspace, "target-repo", "src", "feature.txt"))).toBe(true);
  });

  describe("the workspace's clone", () => {
    const OTHER_URL = "git@github.com:5dlabs/other.git";
    const targetDir = (sandbox: ScriptSandbox) => join(sandbox.workspace, "target-repo");
    const attempt = (n: number) => ({ ...FIXED_RUN, runId: `run-20250726-000${n}`, attempt: n });

    it("keeps uncommitted work when the same repository is asked for with another spelling", async () => {
      const spellings = ["https://github.com/5dlabs/trader", "ssh://git@github.com/5dlabs/Trader"];
      const { sandbox, target, gitEnv } = setup({ aliases: spellings });
      const first = await run(sandbox, codeRequest(), FIXED_RUN, { FAKE_CLAUDE_EXIT: "1" });
      expect(first.result?.outcome).toBe("failed");
      const feature = join(targetDir(sandbox), "src", "feature.txt");
      expect(readFileSync(feature, "utf8")).toBe("work of call 1\n");

      for (const [i, url] of spellings.entries()) {
        const next = await run(sandbox, codeRequest({ repositoryUrl: url }), attempt(i + 2));
        expect(next.status, next.stderr).toBe(0);
        expect(next.stderr).not.toContain("replacing");
        expect(git(targetDir(sandbox), ["config", "--get", "remote.origin.url"], gitEnv)).toBe(url);
      }
      // the first attempt's uncommitted work reached the pull request instead of being wiped by a fresh clone
      expect(git(target.bare, ["show", `${FEATURE}:src/feature.txt`], gitEnv)).toBe(
        "work of call 1\nwork of call 2\nwork of call 3",
      );
    });

    it("refuses to replace a clone of another repository that holds uncommitted work, and says why", async () => {
      const { sandbox } = setup({ others: { [OTHER_URL]: "other" } });
      await run(sandbox, codeRequest(), FIXED_RUN, { FAKE_CLAUDE_EXIT: "1" });

      const other = await run(sandbox, codeRequest({ repositoryUrl: OTHER_URL }), attempt(2));

      expect(other.status).not.toBe(0);
      expect(other.result?.outcome).toBe("failed");
      expect(other.result?.reason).toBe(
        `${targetDir(sandbox)} holds a clone of ${TARGET_URL} with uncommitted changes; refusing to replace it with ` +
          `the destination repository ${OTHER_URL}: push or discard that work first, or give this run another workspace`,
      );
      expect(readFileSync(join(targetDir(sandbox), "src", "feature.txt"), "utf8")).toBe("work of call 1\n");
      expect(claudeCalls(sandbox)).toHaveLength(1);
    });

    it("replaces a clone of another repository only once nothing in it is unpushed", async () => {
      const { sandbox, gitEnv } = setup({ others: { [OTHER_URL]: "other" } });
      expect((await run(sandbox, codeRequest())).status).toBe(0);
      const dir = targetDir(sandbox);
      git(dir, ["commit", "--quiet", "--allow-empty", "-m", "local only"], gitEnv);

      const refused = await run(sandbox, codeRequest({ repositoryUrl: OTHER_URL }), attempt(2));
      expect(refused.result?.reason).toContain(`with unpushed commits on ${FEATURE}; refusing to replace it`);
      expect(git(dir, ["log", "-1", "--format=%s"], gitEnv)).toBe("local only");

      git(dir, ["push", "--quiet", "origin", FEATURE], sandbox.env);
      const replaced = await run(sandbox, codeRequest({ repositoryUrl: OTHER_URL }), attempt(3));
      expect(replaced.status, replaced.stderr).toBe(0);
      expect(git(dir, ["config", "--get", "remote.origin.url"], gitEnv)).toBe(OTHER_URL);
      expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("# other\n");
    });

    it("keeps the docs checkout when the docs repository is asked for with another spelling", async () => {
      const docsHttps = "https://github.com/5dlabs/platform";
      const { sandbox } = setup({ docsAliases: [docsHttps] });
      expect((await run(sandbox, codeRequest())).status).toBe(0);
      const marker = join(sandbox.workspace, "docs-repo", ".git", "kept-by-the-test");
      writeFileSync(marker, "");

      const again = await run(sandbox, codeRequest({ docsRepositoryUrl: docsHttps }), attempt(2));

      expect(again.status, again.stderr).toBe(0);
      expect(existsSync(marker)).toBe(true);
      expect(again.stderr).toContain(
        "is the same repository as https://github.com/5dlabs/platform; URL updated",
      );
    });
  });
});
