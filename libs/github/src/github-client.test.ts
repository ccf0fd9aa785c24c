import { createVerify, generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGithub, startFakeGithub } from "../test/fake-github.js";
import { createGithubClient } from "./github-client.js";
import { rateLimitDelayMs } from "./github-errors.js";

const { privateKey: key, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = key.export({ type: "pkcs1", format: "pem" }).toString();
const comment = (body: string) => ({ owner: "o", repo: "r", issue_number: 5, body });
const route = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments" as const;

let github: FakeGithub;
beforeEach(async () => {
  github = await startFakeGithub({ prefix: "/api/v3", mintDelayMs: 200 });
});
afterEach(async () => {
  await github.stop();
});

const appClient = (extra: { maxInlineWaitMs?: number } = {}) =>
  createGithubClient({
    apiUrl: github.url,
    auth: { appId: "123", privateKey },
    userAgent: "orchestrator-test",
    retryBaseMs: 10,
    writeIntervalMs: 10,
    ...extra,
  });

describe("GitHub client (octokit)", () => {
  it("App mode on GitHub Enterprise: concurrent calls look the installation up once and mint one token", async () => {
    const client = appClient();
    await Promise.all(
      ["a", "b", "c", "d"].map((b) =>
        client.withRepository({ repository: "o/r" }, (o) => o.request(route, comment(b))),
      ),
    );
    const paths = github.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p === "GET /repos/o/r/installation")).toHaveLength(1);
    expect(paths.filter((p) => p === "POST /app/installations/4242/access_tokens")).toHaveLength(1);
    expect(paths.filter((p) => p === "POST /repos/o/r/issues/5/comments")).toHaveLength(4);
    const jwt = github.requests[0]!.headers.authorization!.replace(/^bearer /i, "");
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    expect(
      createVerify("RSA-SHA256")
        .update(`${header}.${payload}`)
        .verify(publicKey, Buffer.from(signature, "base64url")),
    ).toBe(true);
    expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toMatchObject({ iss: "123" });
    const posts = github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/comments"));
    for (const post of posts) expect(post.headers.authorization).toBe(`token ${github.installationToken}`);
  });

  it("uses the installation named by the webhook without looking it up", async () => {
    const client = appClient();
    await client.withRepository({ repository: "o/r", installationId: 9 }, (o) =>
      o.request(route, comment("x")),
    );
    expect(github.requests.map((r) => r.path)).toEqual([
      "/app/installations/9/access_tokens",
      "/repos/o/r/issues/5/comments",
    ]);
  });

  it("forgets a repository's installation after a 404, so a moved installation is found again", async () => {
    const client = appClient();
    github.installations.set("o/r", 1);
    await client.withRepository({ repository: "o/r" }, (o) => o.request(route, comment("1")));
    github.installations.set("o/r", 2);
    github.failNext(404);
    await expect(
      client.withRepository({ repository: "o/r" }, (o) => o.request(route, comment("2"))),
    ).rejects.toMatchObject({
      status: 404,
    });
    await client.withRepository({ repository: "o/r" }, (o) => o.request(route, comment("3")));
    const paths = github.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p === "GET /repos/o/r/installation")).toHaveLength(2);
    expect(paths).toContain("POST /app/installations/2/access_tokens");
  });

  it("waits out a secondary rate limit (403 + Retry-After) and retries the call", async () => {
    const client = appClient();
    await client.withRepository({ repository: "o/r" }, (o) => o.request(route, comment("first"))); // token minted
    github.failNext(
      403,
      1,
      { "retry-after": "2" },
      "You have exceeded a secondary rate limit. Please wait a few minutes.",
    );
    const { data } = await client.withRepository({ repository: "o/r" }, (o) =>
      o.request(route, comment("throttled")),
    );
    expect(data.body).toBe("throttled");
    expect(
      github.requests.filter((r) => r.method === "POST" && r.path === "/repos/o/r/issues/5/comments"),
    ).toHaveLength(3);
  });

  it("retries 5xx answers", async () => {
    const client = createGithubClient({
      apiUrl: github.url,
      auth: { token: "ghp_x" },
      userAgent: "t",
      retryBaseMs: 10,
      writeIntervalMs: 10,
    });
    github.failNext(502, 2);
    const { data } = await client.withRepository({ repository: "o/r" }, (o) =>
      o.request(route, comment("ok")),
    );
    expect(data.body).toBe("ok");
    expect(github.requests).toHaveLength(3);
    expect(github.requests[2]!.headers.authorization).toBe("token ghp_x");
  });

  it("fails a call whose rate limit asks for a longer wait than allowed, with the delay to honour", async () => {
    const client = createGithubClient({
      apiUrl: github.url,
      auth: { token: "ghp_x" },
      userAgent: "t",
      retryBaseMs: 10,
      writeIntervalMs: 10,
      maxInlineWaitMs: 5000,
    });
    github.failNext(429, 1, { "retry-after": "120" }, "API rate limit exceeded");
    const err = await client
      .withRepository({ repository: "o/r" }, (o) => o.request(route, comment("x")))
      .catch((e) => e);
    expect(rateLimitDelayMs(err)).toBe(120_000);
    expect(github.requests).toHaveLength(1);
  });
});
