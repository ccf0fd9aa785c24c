import { generateKeyPairSync } from "node:crypto";
import { type FakeGithub, startFakeGithub } from "@orchestrator/github/test/fake-github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deliver,
  githubExample,
  type Harness,
  newDeliveryId,
  renderJobCount,
  startHarness,
} from "./harness.js";

let github: FakeGithub;
let h: Harness | undefined;
beforeEach(async () => {
  github = await startFakeGithub({ prefix: "/api/v3" });
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  await github.stop();
});

/** GitHub's issue_comment.created example, on a pull request (GitHub adds `issue.pull_request`). */
function docsCommentOnPull(index = 0) {
  const payload = githubExample("issue_comment", "created", index);
  const issue = payload["issue"] as Record<string, unknown>;
  const base = "https://api.github.com/repos/Codertocat/Hello-World";
  issue["pull_request"] = {
    url: `${base}/pulls/1`,
    html_url: "https://github.com/Codertocat/Hello-World/pull/1",
    diff_url: "https://github.com/Codertocat/Hello-World/pull/1.diff",
    patch_url: "https://github.com/Codertocat/Hello-World/pull/1.patch",
    merged_at: null,
  };
  (payload["comment"] as Record<string, unknown>)["body"] = "/orchestrator docs";
  return payload;
}

function pull(headRepo: string | null, ref = "feature/explain-hello") {
  github.pulls.set("Codertocat/Hello-World#1", {
    number: 1,
    head: {
      ref,
      sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      repo: headRepo ? { full_name: headRepo } : null,
    },
    base: { ref: "master" },
  });
}

const withToken = () => startHarness({ env: { GITHUB_TOKEN: "ghp_ingress", GITHUB_API_URL: github.url } });

describe("/orchestrator docs commented on a pull request", () => {
  it("generates docs on the pull request's branch, looked up through the GitHub API", async () => {
    h = await withToken();
    pull("Codertocat/Hello-World");
    const res = await deliver(h, "issue_comment", docsCommentOnPull());
    expect(res.status).toBe(202);
    expect((await h.runStore.get(res.body["runId"] as string))?.request).toMatchObject({
      kind: "docs",
      sourceBranch: "feature/explain-hello",
    });
    const lookup = github.requests.find((r) => r.path === "/repos/Codertocat/Hello-World/pulls/1");
    expect(lookup?.headers.authorization).toBe("token ghp_ingress");
  });

  it("looks the branch up as the App installation the delivery names", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    h = await startHarness({
      env: { GITHUB_APP_ID: "123", GITHUB_APP_PRIVATE_KEY: pem, GITHUB_API_URL: github.url },
    });
    pull("Codertocat/Hello-World", "docs-here");
    const res = await deliver(h, "issue_comment", docsCommentOnPull(3)); // the example with an installation
    expect(res.status).toBe(202);
    expect((await h.runStore.get(res.body["runId"] as string))?.request).toMatchObject({
      sourceBranch: "docs-here",
    });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /app/installations/1/access_tokens",
      "GET /repos/Codertocat/Hello-World/pulls/1",
    ]);
  });

  it("refuses a pull request from a fork, like a labelled one", async () => {
    h = await withToken();
    pull("outsider/Hello-World");
    const res = await deliver(h, "issue_comment", docsCommentOnPull());
    expect(res.status).toBe(202);
    expect(res.body["ignored"]).toContain("comes from outsider/Hello-World");
    expect(await renderJobCount(h)).toBe(0);
  });

  it("fails the delivery (502) when GitHub cannot answer, and a redelivery then starts exactly one run", async () => {
    h = await withToken();
    pull("Codertocat/Hello-World");
    github.failNext(503, 2);
    const deliveryId = newDeliveryId();
    const payload = docsCommentOnPull();
    const failed = await deliver(h, "issue_comment", payload, { deliveryId });
    expect(failed.status).toBe(502);
    expect(failed.body["error"]).toContain("could not look up the branch of pull request #1");
    expect(await renderJobCount(h)).toBe(0);
    const again = await deliver(h, "issue_comment", payload, { deliveryId });
    expect(again.status).toBe(202);
    const twice = await deliver(h, "issue_comment", payload, { deliveryId });
    expect(twice.body["runId"]).toBe(again.body["runId"]);
    // a redelivery is answered with its run even when the lookup fails or the branch now looks different
    github.failNext(503, 2);
    const whileDown = await deliver(h, "issue_comment", payload, { deliveryId });
    expect(whileDown.status).toBe(200);
    expect(whileDown.body).toMatchObject({ runId: again.body["runId"], duplicate: true });
    pull("outsider/Hello-World");
    const afterFork = await deliver(h, "issue_comment", payload, { deliveryId });
    expect(afterFork.body).toMatchObject({ runId: again.body["runId"], duplicate: true });
    expect(await renderJobCount(h)).toBe(1);
  });

  it("without GitHub credentials says what to configure instead of using the default branch", async () => {
    h = await startHarness();
    const res = await deliver(h, "issue_comment", docsCommentOnPull());
    expect(res.status).toBe(202);
    expect(res.body["ignored"]).toContain("give the ingress GitHub credentials");
    expect(await renderJobCount(h)).toBe(0);
  });
});

describe("payloads GitHub's published types allow", () => {
  it("accepts a comment whose author is gone (GitHub sends `user: null`)", async () => {
    h = await startHarness();
    const payload = githubExample("issue_comment", "created");
    const comment = payload["comment"] as Record<string, unknown>;
    comment["body"] = "/orchestrator docs";
    comment["user"] = null;
    const res = await deliver(h, "issue_comment", payload);
    expect(res.status).toBe(202);
    expect(res.body["runId"]).toEqual(expect.any(String));
  });
});
