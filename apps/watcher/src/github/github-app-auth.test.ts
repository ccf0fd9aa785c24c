import { createVerify, generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGithub, startFakeGithub } from "../../test/fake-github.js";
import { createGithubAppTokenProvider } from "./github-app-auth.js";
import { GithubClient } from "./github-client.js";

let github: FakeGithub;
beforeEach(async () => {
  github = await startFakeGithub({ prefix: "/api/v3" });
});
afterEach(async () => {
  await github.stop();
});

describe("GitHub App authentication", () => {
  it("comments as the App installation on GitHub Enterprise, with a JWT signed by the App key", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const token = createGithubAppTokenProvider({ appId: "123", privateKeyPem: pem, apiUrl: github.url });
    const client = new GithubClient({ apiUrl: github.url, token });

    await client.createIssueComment({ repository: "o/r" }, 5, "first");
    await client.createIssueComment({ repository: "o/r" }, 5, "second");

    const paths = github.requests.map((r) => `${r.method} ${r.path}`);
    // installation looked up once, token issued once and reused
    expect(paths).toEqual([
      "GET /repos/o/r/installation",
      "POST /app/installations/4242/access_tokens",
      "POST /repos/o/r/issues/5/comments",
      "POST /repos/o/r/issues/5/comments",
    ]);
    const jwt = github.requests[0]!.headers.authorization!.replace("Bearer ", "");
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    const verified = createVerify("RSA-SHA256")
      .update(`${header}.${payload}`)
      .verify(publicKey, Buffer.from(signature, "base64url"));
    expect(verified).toBe(true);
    expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toMatchObject({ iss: "123" });
    expect(github.requests[2]!.headers.authorization).toBe(`Bearer ${github.installationToken}`);
  });

  it("uses the installation named by the webhook without looking it up", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const token = createGithubAppTokenProvider({ appId: "123", privateKeyPem: pem, apiUrl: github.url });
    expect(await token({ repository: "o/r", installationId: 9 })).toBe(github.installationToken);
    expect(github.requests.map((r) => r.path)).toEqual(["/app/installations/9/access_tokens"]);
  });
});
