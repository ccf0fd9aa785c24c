import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGithub, startFakeGithub } from "../test/fake-github.js";
import { createGithubClient } from "./github-client.js";
import { createRunTokenMinter, gitHostOfApi, RunTokenError } from "./run-token.js";

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

let github: FakeGithub;
beforeEach(async () => {
  github = await startFakeGithub({ prefix: "/api/v3" });
});
afterEach(async () => {
  await github.stop();
});

const minter = () => {
  const client = createGithubClient({
    apiUrl: github.url,
    auth: { appId: "123", privateKey },
    userAgent: "t",
    retryBaseMs: 10,
    writeIntervalMs: 10,
  });
  const m = createRunTokenMinter(client, "https://ghe.example.com/api/v3");
  if (!m) throw new Error("App mode has a minter");
  return m;
};

describe("per-run App installation tokens", () => {
  it("mints a fresh token per run, scoped to the run's repositories and three permissions", async () => {
    github.installations.set("acme/app", 7);
    const m = minter();
    expect(m.gitHost).toBe("ghe.example.com");
    const a = await m.mint(["acme/app", "acme/docs"]);
    const b = await m.mint(["acme/app", "acme/docs"]);
    expect(a.token).not.toBe(b.token);
    expect(Date.parse(a.expiresAt)).toBeGreaterThan(Date.now());
    const mints = github.requests.filter((r) => r.path === "/app/installations/7/access_tokens");
    expect(mints).toHaveLength(2);
    for (const mint of mints) {
      expect(mint.body).toEqual({
        repositories: ["app", "docs"],
        permissions: { contents: "write", pull_requests: "write", issues: "write" },
      });
      // minted with the App's JWT, not an installation token
      expect(mint.headers.authorization).toMatch(/^bearer /i);
    }
    // the installation is looked up once
    expect(github.requests.filter((r) => r.path === "/repos/acme/app/installation")).toHaveLength(1);
  });

  it("retries a 5xx mint; an App not installed on the repository is a permanent error naming it", async () => {
    const m = minter();
    github.failNext(502, 1, {}, "bad gateway", "/access_tokens");
    expect((await m.mint(["acme/app"])).token).toMatch(/^ghs_/);

    github.installations.set("acme/gone", null);
    const err = await m.mint(["acme/gone"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunTokenError);
    expect(err).toMatchObject({ permanent: true });
    expect((err as Error).message).toMatch(/acme\/gone.*HTTP 404.*installed/);

    github.failNext(503, 10, {}, "down", "/access_tokens");
    const down = await m.mint(["acme/app"]).catch((e: unknown) => e);
    expect(down).toMatchObject({ permanent: false });
  });

  it("refuses repositories of several owners (one installation token cannot cover them)", async () => {
    await expect(minter().mint(["a/x", "b/y"])).rejects.toMatchObject({ permanent: true });
  });

  it("token mode has no minter (agents use the per-user secrets); hosts of API URLs", () => {
    const client = createGithubClient({ apiUrl: github.url, auth: { token: "ghp_x" }, userAgent: "t" });
    expect(createRunTokenMinter(client, github.url)).toBeUndefined();
    expect(gitHostOfApi("https://api.github.com")).toBe("github.com");
  });
});
