import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type Renderer } from "../src/index.js";
import { createRemote, isolatedGitEnv, makeTempDir, remoteBranches } from "./support/git-fixtures.js";
import { type GitHttpServer, selfSignedCertificate, startGitHttpServer } from "./support/git-http-server.js";
import { docsRequest, FIXED_RUN } from "./support/requests.js";
import {
  claudeCalls,
  createSandbox,
  ghCalls,
  runContainerScript,
  setGitRewrites,
  TEST_TOKEN,
  writeConfig,
} from "./support/script-harness.js";

const TASKS = JSON.stringify({ tasks: [{ id: 1, title: "Set up the service", dependencies: [] }] });

/** Every credential a server received whose password is the token. */
function tokensReceived(server: GitHttpServer) {
  return server.requests.filter((r) => r.credentials?.password.includes(TEST_TOKEN.slice(4)));
}

describe("credentials go only to ALLOWED_GIT_HOSTS over https (real git against git http-backend)", () => {
  let renderer: Renderer;
  const servers: GitHttpServer[] = [];
  beforeAll(async () => {
    // the operator allows localhost only; 127.0.0.1 is the same machine under a foreign name
    renderer = await createRenderer({ settings: { allowedGitHosts: ["localhost"] } });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => renderer.close());

  async function setup() {
    const root = makeTempDir("credentials");
    const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
    const srv = join(root, "srv");
    const remote = createRemote(
      srv,
      "platform",
      { "_projects/trader/.taskmaster/tasks/tasks.json": TASKS },
      gitEnv,
    );
    const tls = selfSignedCertificate(root);
    const sandbox = createSandbox(root, {});
    // the operator's git config trusts the test CA (as for a GitHub Enterprise with a private CA)
    setGitRewrites(sandbox.env, {}, { "http.sslCAInfo": tls.cert });
    const start = async (options: { tls?: boolean; redirectTo?: string } = {}) => {
      const server = await startGitHttpServer({
        projectRoot: srv,
        ...(options.tls === false ? {} : { tls }),
        ...(options.redirectTo ? { redirectTo: options.redirectTo } : {}),
      });
      servers.push(server);
      return server;
    };
    return { root, sandbox, remote, gitEnv, start };
  }

  it("sends the token to an allowed host over https, and nowhere into the output", async () => {
    const { sandbox, remote, gitEnv, start } = await setup();
    const server = await start();
    const url = `${server.origin}/remotes/platform.git`;
    writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: url }), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.result?.outcome, run.stderr).toBe("succeeded");
    // cloned and pushed with the token through the askpass helper
    expect(tokensReceived(server).length).toBeGreaterThan(0);
    expect(tokensReceived(server).every((r) => r.credentials?.user === "x-access-token")).toBe(true);
    expect(
      Object.keys(remoteBranches(remote.bare, gitEnv)).some((b) => b.startsWith("docs-generation-")),
    ).toBe(true);
    // gh got the token for the allowed host only
    expect(ghCalls(sandbox).every((c) => c.ghToken === TEST_TOKEN)).toBe(true);
    // the agent's askpass answers nothing for github.com, which this install does not allow
    expect(claudeCalls(sandbox)[0]!.askpass?.output).toBe("");
    expect(run.stdout + run.stderr).not.toContain(TEST_TOKEN);
  });

  it("refuses a repository on a host that is not allowed: the run fails with the reason, the host gets nothing", async () => {
    const { sandbox, start } = await setup();
    const foreign = await start();
    const url = `https://127.0.0.1:${foreign.port}/remotes/platform.git`;
    writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: url }), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.result?.outcome).toBe("failed");
    expect(run.result?.reason).toContain("host 127.0.0.1 is not in ALLOWED_GIT_HOSTS (localhost)");
    expect(tokensReceived(foreign)).toEqual([]);
    expect(foreign.requests.filter((r) => r.authorization !== null)).toEqual([]);
    expect(claudeCalls(sandbox)).toEqual([]);
  });

  it("gives nothing to a foreign host an allowed host redirects to, and names it in the reason", async () => {
    const { sandbox, start } = await setup();
    const foreign = await start();
    const allowed = await start({ redirectTo: `https://127.0.0.1:${foreign.port}` });
    const url = `${allowed.origin}/remotes/platform.git`;
    writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: url }), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "docs" });

    expect(run.result?.outcome).toBe("failed");
    // git followed the redirect and asked for credentials there
    expect(foreign.requests.length).toBeGreaterThan(0);
    expect(foreign.requests.filter((r) => r.authorization !== null)).toEqual([]);
    expect(run.result?.reason).toContain(
      "repository host 127.0.0.1 is not in ALLOWED_GIT_HOSTS (localhost); git got no credentials",
    );
    expect(tokensReceived(allowed)).toEqual([]);
  });

  it("the agent's own git gets no token over plain http or for a foreign host", async () => {
    const { sandbox, start } = await setup();
    const server = await start();
    const plain = await start({ tls: false });
    const url = `${server.origin}/remotes/platform.git`;
    writeConfig(sandbox, renderer.render(docsRequest({ repositoryUrl: url }), FIXED_RUN).files);

    const run = await runContainerScript(sandbox, {
      FAKE_CLAUDE_MODE: "docs",
      FAKE_CLAUDE_GIT_URLS: [
        `${plain.origin}/remotes/platform.git`,
        `https://127.0.0.1:${server.port}/remotes/platform.git`,
      ].join(" "),
    });

    expect(run.result?.outcome, run.stderr).toBe("succeeded");
    const agentGit = readFileSync(join(sandbox.shimLog, "claude-git.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { url: string; status: number; stderr: string });
    expect(agentGit.map((g) => g.status)).toEqual([128, 128]);
    expect(agentGit[0]!.stderr).toContain("only https URLs get the token");
    expect(agentGit[1]!.stderr).toContain("repository host 127.0.0.1 is not in ALLOWED_GIT_HOSTS");
    // the plain server was asked, and got no credentials; the https server got the token only as localhost
    expect(plain.requests.length).toBeGreaterThan(0);
    expect(plain.requests.filter((r) => r.authorization !== null)).toEqual([]);
    expect(
      server.requests.filter((r) => r.authorization !== null && !r.host.startsWith("localhost:")),
    ).toEqual([]);
  });
});
