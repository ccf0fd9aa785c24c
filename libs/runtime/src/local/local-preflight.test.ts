import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCodeRun, testDocsRun } from "../testing.js";
import { parseLocalAgentEnv, pickAgentEnv } from "./agent-env.js";
import { type LocalPreflightInput, localPreflight } from "./local-preflight.js";

const root = mkdtempSync(join(tmpdir(), "orch-preflight-"));
const bin = join(root, "bin");
const socketPath = join(root, "agent.sock");
let agent: Server;

function tools(...names: string[]): string {
  const dir = join(root, `bin-${names.join("-") || "none"}`);
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    writeFileSync(join(dir, name), "#!/bin/sh\n");
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

beforeAll(async () => {
  mkdirSync(bin);
  agent = createServer();
  await new Promise<void>((resolve) => agent.listen(socketPath, resolve));
  writeFileSync(join(root, "token"), "x\n");
  mkdirSync(join(root, "keys"));
  writeFileSync(join(root, "keys", "ssh-privatekey"), "key\n");
});
afterAll(() => {
  agent.close();
  rmSync(root, { recursive: true, force: true });
});

const ALL = () => tools("bash", "git", "gh", "claude", "node");
const base = (over: Partial<LocalPreflightInput> = {}): LocalPreflightInput => ({
  path: ALL(),
  anthropicApiKey: "sk-test",
  githubTokenFile: join(root, "token"),
  sshKeyDir: join(root, "keys"),
  agentEnv: {},
  ...over,
});

describe("local preflight", () => {
  it("passes when the tools and the credentials the URLs need are there", async () => {
    expect(await localPreflight(testCodeRun().request, base())).toEqual([]);
    // an ssh-agent stands in for LOCAL_SSH_KEY_DIR
    expect(
      await localPreflight(
        testCodeRun().request,
        base({ sshKeyDir: undefined, agentEnv: { SSH_AUTH_SOCK: socketPath } }),
      ),
    ).toEqual([]);
  });

  it.each([
    ["claude", "npm install -g @anthropic-ai/claude-code"],
    ["gh", "https://cli.github.com"],
    ["git", "install git"],
    ["node", "Node.js"],
  ])("names how to install %s when it is not on the PATH", async (missing, fix) => {
    const path = tools(...["bash", "git", "gh", "claude", "node"].filter((t) => t !== missing));
    const problems = await localPreflight(testCodeRun().request, base({ path }));
    expect(problems).toEqual([expect.stringContaining(`\`${missing}\` is not on the PATH`)]);
    expect(problems[0]).toContain(fix);
  });

  it("names LOCAL_SSH_KEY_DIR or an ssh-agent for SSH URLs, and LOCAL_GITHUB_TOKEN_FILE for HTTPS URLs", async () => {
    const ssh = await localPreflight(testCodeRun().request, base({ sshKeyDir: undefined }));
    expect(ssh).toEqual([expect.stringMatching(/set LOCAL_SSH_KEY_DIR.*ssh-agent \(SSH_AUTH_SOCK/)]);
    const badDir = await localPreflight(testCodeRun().request, base({ sshKeyDir: join(root, "nowhere") }));
    expect(badDir).toEqual([
      expect.stringContaining(`LOCAL_SSH_KEY_DIR=${join(root, "nowhere")} has no readable`),
    ]);
    const https = testDocsRun().request;
    expect(https.repositoryUrl).toMatch(/^https:/);
    expect(await localPreflight(https, base({ githubTokenFile: undefined }))).toEqual([
      expect.stringContaining("set LOCAL_GITHUB_TOKEN_FILE"),
    ]);
  });

  it("names ANTHROPIC_API_KEY and claude login when Claude has no credentials, and accepts a login", async () => {
    const problems = await localPreflight(testCodeRun().request, base({ anthropicApiKey: undefined }));
    expect(problems).toEqual([expect.stringMatching(/set ANTHROPIC_API_KEY, or run `claude login`/)]);
    const claudeDir = join(root, "claude");
    mkdirSync(claudeDir, { recursive: true });
    writeFileSync(join(claudeDir, ".credentials.json"), "{}");
    expect(
      await localPreflight(
        testCodeRun().request,
        base({ anthropicApiKey: undefined, agentEnv: { CLAUDE_CONFIG_DIR: claudeDir } }),
      ),
    ).toEqual([]);
  });
});

describe("LOCAL_AGENT_ENV", () => {
  it("passes proxies, CA bundle, ssh-agent and git config by default, never the service's secrets", () => {
    const names = parseLocalAgentEnv(undefined);
    const env = pickAgentEnv(names, {
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      SSH_AUTH_SOCK: socketPath,
      GIT_CONFIG_GLOBAL: "/home/dev/.gitconfig",
      NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
      API_TOKENS: "local:abc",
      REDIS_URL: "redis://127.0.0.1:1",
      GITHUB_WEBHOOK_SECRETS: "s",
    });
    expect(env).toEqual({
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      SSH_AUTH_SOCK: socketPath,
      GIT_CONFIG_GLOBAL: "/home/dev/.gitconfig",
      NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
    });
  });

  it("adds with +NAME, replaces otherwise, and refuses the service's credentials by name", () => {
    expect(parseLocalAgentEnv("+JAVA_HOME")).toContain("HTTPS_PROXY");
    expect(parseLocalAgentEnv("+JAVA_HOME")).toContain("JAVA_HOME");
    expect(parseLocalAgentEnv("JAVA_HOME")).toEqual(["JAVA_HOME"]);
    expect(parseLocalAgentEnv("")).toEqual([]);
    expect(() => parseLocalAgentEnv("+API_TOKENS,REDIS_URL,MY_SECRET")).toThrow(
      /API_TOKENS.*REDIS_URL.*MY_SECRET/,
    );
    // a credential-looking value is left out whatever its name
    expect(pickAgentEnv(["JAVA_HOME"], { JAVA_HOME: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB" })).toEqual(
      {},
    );
  });
});
