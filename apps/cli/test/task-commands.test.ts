import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { CodeRunRequest, DocsRunRequest, RunRecord } from "@orchestrator/contracts";
import { freePort } from "@orchestrator/local-redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGitFixture, type GitFixture, ORIGIN_URL } from "./git-fixture.js";
import { CLI_TOKEN, type IngressHarness, startIngress } from "./ingress-harness.js";
import { runCli } from "./run-cli.js";

let h: IngressHarness;
let env: Record<string, string>;

beforeAll(async () => {
  h = await startIngress();
  env = { ORCHESTRATOR_API_URL: h.base, ORCHESTRATOR_TOKEN: CLI_TOKEN };
});
afterAll(() => h.close());

/** The run the CLI created, read back through the API as a user would. */
async function storedRun(stdout: string): Promise<RunRecord> {
  const id = /"runId": "([^"]+)"/.exec(stdout)?.[1];
  if (!id) throw new Error(`no run id in output: ${stdout}`);
  const res = await fetch(`${h.base}/api/v1/runs/${id}`, {
    headers: { authorization: `Bearer ${CLI_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as RunRecord;
}

async function runCount(): Promise<number> {
  return (await h.runStore.list({ limit: 500 })).runs.length;
}

describe("orchestrator task code", () => {
  it("runs the seed's example and records a CLI run with the server's defaults", async () => {
    const result = await runCli(
      [
        "task",
        "code",
        "1",
        "--service",
        "trader",
        "--repo",
        "git@github.com:5dlabs/platform.git",
        "--github-user",
        "swe-1-5dlabs",
        "--no-watch",
        "-o",
        "json",
      ],
      { env },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { runId: string; phase: string; statusUrl: string };
    expect(answer.phase).toBe("Queued");
    expect(answer.statusUrl).toBe(`${h.base}/api/v1/runs/${answer.runId}`);
    const run = await storedRun(result.stdout);
    const request = run.request as CodeRunRequest;
    expect(request).toMatchObject({
      kind: "code",
      taskId: 1,
      service: "trader",
      repositoryUrl: "git@github.com:5dlabs/platform.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
      githubUser: "swe-1-5dlabs",
      model: "claude-sonnet-4-20250514",
      workingDirectory: "trader",
      source: { type: "cli", actor: "cli", userAgent: "orchestrator-cli/0.1.0" },
    });
  });

  it("puts every flag into the stored request", async () => {
    const result = await runCli(
      [
        "task",
        "code",
        "42",
        "--service",
        "trader",
        "--repository-url",
        "https://github.com/acme/trader.git",
        "--platform-repository-url",
        "git@github.com:acme/platform.git",
        "--platform-branch",
        "release/2025",
        "--docs-project-directory",
        "_projects/trader-v2",
        "--branch",
        "develop",
        "--github-user",
        "swe-2-acme",
        "--working-directory",
        "services/trader",
        "--model",
        "opus",
        "--tool-config",
        "advanced",
        "--local-tools",
        "filesystem,read_file",
        "--remote-tools",
        "brave-search_brave_web_search,github_create_issue",
        "--context-version",
        "3",
        "--prompt-modification",
        "Fix the failing tests; keep the API stable.",
        "--continue-session",
        "--overwrite-memory",
        "--env",
        "LOG_LEVEL=debug",
        "--env",
        "FEATURES=a=1,b=2",
        "--env-from-secret",
        "OPENAI_API_KEY:agent-openai:api-key",
        "--env-from-secret",
        "DB_URL:agent-trader-db:url",
        "--max-retries",
        "2",
        "--no-watch",
        "--output",
        "json",
      ],
      { env },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const run = await storedRun(result.stdout);
    expect(run.request).toMatchObject({
      kind: "code",
      taskId: 42,
      service: "trader",
      repositoryUrl: "https://github.com/acme/trader.git",
      docsRepositoryUrl: "git@github.com:acme/platform.git",
      docsBranch: "release/2025",
      docsProjectDirectory: "_projects/trader-v2",
      branch: "develop",
      githubUser: "swe-2-acme",
      workingDirectory: "services/trader",
      model: "claude-opus-4-20250514",
      toolConfig: "advanced",
      localTools: ["filesystem", "read_file"],
      remoteTools: ["brave-search_brave_web_search", "github_create_issue"],
      contextVersion: 3,
      promptModification: "Fix the failing tests; keep the API stable.",
      continueSession: true,
      overwriteMemory: true,
      env: { LOG_LEVEL: "debug", FEATURES: "a=1,b=2" },
      envFromSecrets: [
        { name: "OPENAI_API_KEY", secretName: "agent-openai", secretKey: "api-key" },
        { name: "DB_URL", secretName: "agent-trader-db", secretKey: "url" },
      ],
      maxRetries: 2,
      source: { type: "cli" },
    });
  });

  it("names the flag and exits 2 for bad values, sending nothing", async () => {
    const before = await runCount();
    const cases: [string[], RegExp][] = [
      [["--service", "Trader!"], /error: --service "Trader!" must match \^\[a-z0-9-\]\{1,63\}\$/],
      [["--service", "trader", "--branch", "-rf"], /error: --branch "-rf" must be a plain git branch name/],
      [
        ["--service", "trader", "--repo", "ftp://x/y"],
        /error: --repo "ftp:\/\/x\/y" must be git@host:org\/repo/,
      ],
      [
        ["--service", "trader", "--tool-config", "max"],
        /option '--tool-config <preset>' argument 'max' is invalid/,
      ],
      [
        ["--service", "trader", "--env", "1BAD=x"],
        /option '--env <NAME=value>' argument '1BAD=x' is invalid/,
      ],
      [
        ["--service", "trader", "--env-from-secret", "A:b"],
        /'--env-from-secret <NAME:SECRET:KEY>' argument 'A:b' is invalid.*NAME:SECRET:KEY/,
      ],
      [
        ["--service", "trader", "--context-version", "0"],
        /'--context-version <n>' argument '0' is invalid. must be a whole number from 1 to 1000/,
      ],
      [["--service", "trader", "--servce", "x"], /unknown option '--servce'[\s\S]*Did you mean --service\?/],
      [[], /required option '-s, --service <name>' not specified/],
    ];
    const results = await Promise.all(
      cases.map(([flags]) =>
        runCli(
          [
            "task",
            "code",
            "1",
            "--repo",
            "git@github.com:a/b.git",
            "--github-user",
            "octocat",
            ...flags,
            "--no-watch",
          ],
          { env },
        ),
      ),
    );
    results.forEach((result, i) => {
      expect(result.stderr).toMatch(cases[i]![1]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
    });
    const badTaskId = await runCli(["task", "code", "one", "--service", "trader"], { env });
    expect(badTaskId.stderr).toMatch(/argument 'taskId'.*must be a Task Master task id/);
    expect(badTaskId.code).toBe(2);
    expect(await runCount()).toBe(before);
  });

  it("maps the server's validation details back to the flags", async () => {
    const before = await runCount();
    const result = await runCli(
      [
        "task",
        "code",
        "1",
        "--service",
        "trader",
        "--repo",
        "git@github.com:a/b.git",
        "--github-user",
        "octocat",
        "--prompt-modification",
        "x".repeat(17_000),
        "--no-watch",
      ],
      { env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: invalid request \(HTTP 400\)\n {2}--prompt-modification: .*16384/m,
    );
    expect(await runCount()).toBe(before);
  });

  it("asks for the repository and user outside a checkout instead of guessing", async () => {
    const result = await runCli(["task", "code", "1", "--service", "trader", "--no-watch"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--repository-url is required outside a git checkout");
    expect(result.stderr).toContain("--github-user is required");
  });

  it("shows the server's reason, not a stack trace, when the token is wrong", async () => {
    const result = await runCli(
      [
        "task",
        "code",
        "1",
        "--service",
        "trader",
        "--repo",
        "git@github.com:a/b.git",
        "--github-user",
        "octocat",
        "--no-watch",
      ],
      { env: { ...env, ORCHESTRATOR_TOKEN: "wrong-token-0123456789" } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: invalid API token (HTTP 401)");
    expect(result.stderr).toContain("ORCHESTRATOR_TOKEN");
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("names the URL and --api-url when the API is down", async () => {
    const port = await freePort();
    const result = await runCli(
      [
        "task",
        "code",
        "1",
        "--service",
        "trader",
        "--repo",
        "git@github.com:a/b.git",
        "--github-user",
        "octocat",
        "--no-watch",
        "--api-url",
        `http://127.0.0.1:${port}`,
      ],
      { env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot reach the orchestrator API at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(result.stderr).toContain("--api-url or ORCHESTRATOR_API_URL");
  });
});

describe("pointed at a server that is not the orchestrator API", () => {
  it("prints one line naming the URL and status, not the server's HTML page", async () => {
    const page = `<!DOCTYPE html><html><head><title>404 Not Found</title></head>\n<body>\n${"<p>nothing here</p>\n".repeat(100)}</body></html>\n`;
    const server = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await runCli(["runs", "list", "--api-url", url], { env });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `error: ${url} does not look like an orchestrator API (HTTP 404); check --api-url or ORCHESTRATOR_API_URL\n`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("orchestrator task docs", () => {
  let fx: GitFixture;
  afterEach(() => fx?.cleanup());

  it("runs the seed's example from the repository root, detecting the rest from git", async () => {
    fx = createGitFixture({ userName: "jane-doe" });
    const result = await runCli(
      [
        "task",
        "docs",
        "--working-directory",
        "_projects/trader",
        "--model",
        "opus",
        "--no-watch",
        "-o",
        "json",
      ],
      { cwd: fx.repo, env: { ...env, ...fx.env } },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("GitHub user: jane-doe (from git config user.name");
    expect(result.stderr).toContain(
      "_projects/trader/.taskmaster/tasks/tasks.json: 1 task(s), pushed to origin/main",
    );
    const run = await storedRun(result.stdout);
    expect(run.request as DocsRunRequest).toMatchObject({
      kind: "docs",
      repositoryUrl: ORIGIN_URL,
      sourceBranch: "main",
      workingDirectory: "_projects/trader",
      githubUser: "jane-doe",
      model: "claude-opus-4-20250514",
      source: { type: "cli" },
    });
  });

  it("detects the working directory from a subdirectory and takes github.user over user.name", async () => {
    fx = createGitFixture({ userName: "Jane Doe", githubUser: "jdoe" });
    fx.git("checkout", "-q", "-b", "docs/trader");
    fx.git("push", "-q", "-u", "origin", "docs/trader");
    const result = await runCli(["task", "docs", "--no-watch", "-o", "json"], {
      cwd: join(fx.repo, "_projects", "trader"),
      env: { ...env, ...fx.env },
    });
    expect(result.code).toBe(0);
    const run = await storedRun(result.stdout);
    expect(run.request).toMatchObject({
      sourceBranch: "docs/trader",
      workingDirectory: "_projects/trader",
      githubUser: "jdoe",
      model: "claude-opus-4-20250514",
    });
  });

  it("refuses a directory without .taskmaster, with what to do, and creates nothing", async () => {
    fx = createGitFixture({ githubUser: "jdoe" });
    const before = await runCount();
    const result = await runCli(["task", "docs", "--working-directory", ".", "--no-watch"], {
      cwd: fx.repo,
      env: { ...env, ...fx.env },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: no .taskmaster directory in working directory "."');
    expect(result.stderr).toContain("Nothing was sent.");
    rmSync(join(fx.repo, "_projects/trader/.taskmaster/tasks/tasks.json"));
    const missing = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], {
      cwd: fx.repo,
      env: { ...env, ...fx.env },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("_projects/trader/.taskmaster/tasks/tasks.json does not exist");
    expect(await runCount()).toBe(before);
  });

  it("refuses uncommitted or unpushed .taskmaster changes and says which git commands fix it", async () => {
    fx = createGitFixture({ githubUser: "jdoe" });
    const before = await runCount();
    const opts = { cwd: fx.repo, env: { ...env, ...fx.env } };
    fx.write(
      "_projects/trader/.taskmaster/tasks/tasks.json",
      JSON.stringify({ master: { tasks: [{ id: 1 }, { id: 2 }] } }),
    );
    const dirty = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], opts);
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain("has changes that are not committed");
    expect(dirty.stderr).toContain(" M _projects/trader/.taskmaster/tasks/tasks.json");
    expect(dirty.stderr).toContain("git add _projects/trader/.taskmaster && git commit -m");
    fx.git("commit", "-q", "-am", "two tasks");
    const unpushed = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], opts);
    expect(unpushed.code).toBe(1);
    expect(unpushed.stderr).toContain("1 commit(s) not pushed to origin/main");
    expect(await runCount()).toBe(before);
    fx.git("push", "-q");
    const pushed = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], opts);
    expect(pushed.stderr).toContain("2 task(s), pushed to origin/main");
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/^run run-[a-z0-9]+ accepted \(Queued\)$/m);
  });

  it("requires --github-user when git knows no user", async () => {
    fx = createGitFixture();
    const result = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], {
      cwd: fx.repo,
      env: { ...env, ...fx.env },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--github-user is required");
    expect(result.stderr).toContain("git config --global github.user <login>");
  });

  it("does not guess a login from a display name in user.name, and says which flag to pass", async () => {
    fx = createGitFixture({ userName: "Jane Doe" });
    const before = await runCount();
    const result = await runCli(["task", "docs", "-w", "_projects/trader", "--no-watch"], {
      cwd: fx.repo,
      env: { ...env, ...fx.env },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: --github-user is required: git config user.name "Jane Doe" is not a GitHub login; ' +
        "pass --github-user <login> or set it once with `git config --global github.user <login>`",
    );
    expect(result.stderr).not.toContain("Jane-Doe");
    expect(await runCount()).toBe(before);
  });
});
