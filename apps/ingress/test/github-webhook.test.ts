import { sign } from "@octokit/webhooks-methods";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deliver,
  GITHUB_SECRET,
  githubExample,
  type Harness,
  newDeliveryId,
  renderJobCount,
  startHarness,
} from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ env: { GITHUB_WEBHOOK_SECRETS: `old-secret-0,${GITHUB_SECRET}` } });
});
afterEach(async () => {
  await h.close();
});

function labeledIssue(label: string) {
  const payload = githubExample("issues", "labeled");
  payload["label"] = { name: label, color: "ededed" };
  return payload;
}

function comment(body: string, association = "OWNER", sender: Record<string, unknown> = {}) {
  const payload = githubExample("issue_comment", "created");
  const c = payload["comment"] as Record<string, unknown>;
  c["body"] = body;
  c["author_association"] = association;
  payload["sender"] = { ...(payload["sender"] as object), ...sender };
  return payload;
}

describe("GitHub webhook: triggers", () => {
  it("queues one code run with the rule's defaults for an issue labelled orchestrator:code", async () => {
    const res = await deliver(h, "issues", labeledIssue("orchestrator:code"));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ runId: expect.stringMatching(/^run-/), phase: "Queued" });
    expect(res.body["statusUrl"]).toBe(`${h.base}/api/v1/runs/${res.body["runId"]}`);
    const run = await h.runStore.get(res.body["runId"] as string);
    expect(run?.request).toMatchObject({
      kind: "code",
      taskId: 1,
      service: "hello",
      repositoryUrl: "git@github.com:Codertocat/Hello-World.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
      workingDirectory: "hello",
      branch: "master",
      githubUser: "swe-1-5dlabs",
      model: "claude-opus-4-20250514",
      toolConfig: "default",
      source: {
        type: "github",
        event: "issues",
        action: "labeled",
        repository: "Codertocat/Hello-World",
        number: 1,
        isPullRequest: false,
        sender: "Codertocat",
        hookId: "109948940",
      },
    });
    expect(run?.request.instructions).toContain("Spelling error in the README file");
    expect(await renderJobCount(h)).toBe(1);
    expect((await h.renderQueue.getJob(run!.id))?.data).toEqual({ runId: run!.id });
  });

  it("queues a docs run on the pull request's own branch for a pull request labelled orchestrator:docs", async () => {
    const payload = githubExample("pull_request", "labeled");
    payload["label"] = { name: "orchestrator:docs" };
    const res = await deliver(h, "pull_request", payload);
    expect(res.status).toBe(202);
    const run = await h.runStore.get(res.body["runId"] as string);
    expect(run?.request).toMatchObject({
      kind: "docs",
      // the PR's head branch ("changes"), not the default branch ("master")
      sourceBranch: "changes",
      workingDirectory: ".",
      model: "claude-opus-4-20250514",
      source: { isPullRequest: true, number: 2 },
    });
  });

  it("parses a slash command's task id and options into the run", async () => {
    const res = await deliver(
      h,
      "issue_comment",
      comment(
        "Please have a go.\n/orchestrator code 42 --service trader --model sonnet --tool-config=advanced",
      ),
    );
    expect(res.status).toBe(202);
    const run = await h.runStore.get(res.body["runId"] as string);
    expect(run?.request).toMatchObject({
      kind: "code",
      taskId: 42,
      service: "trader",
      workingDirectory: "trader",
      model: "claude-sonnet-4-20250514",
      toolConfig: "advanced",
      source: { event: "issue_comment", commentId: expect.any(Number) },
    });
  });

  it("accepts slash commands in pull request review comments", async () => {
    const payload = githubExample("pull_request_review_comment", "created");
    (payload["comment"] as Record<string, unknown>)["body"] = "/orchestrator docs";
    const res = await deliver(h, "pull_request_review_comment", payload);
    expect(res.status).toBe(202);
    expect((await h.runStore.get(res.body["runId"] as string))?.request).toMatchObject({
      kind: "docs",
      sourceBranch: "changes",
    });
  });

  it("refuses docs for a pull request from a fork, saying why, since the docs branch cannot go back to it", async () => {
    const payload = githubExample("pull_request", "labeled");
    payload["label"] = { name: "orchestrator:docs" };
    const head = (payload["pull_request"] as Record<string, Record<string, unknown>>)["head"]!;
    head["repo"] = { ...(head["repo"] as object), full_name: "outsider/Hello-World" };
    const res = await deliver(h, "pull_request", payload);
    expect(res.status).toBe(202);
    expect(res.body["ignored"]).toBe(
      "pull request #2 comes from outsider/Hello-World, not Codertocat/Hello-World: docs are generated on the " +
        "pull request's branch and cannot be pushed to a fork; push the branch to this repository and ask again",
    );
    expect(await renderJobCount(h)).toBe(0);
  });

  it("also serves the original service's path /webhook/github", async () => {
    const body = JSON.stringify(labeledIssue("orchestrator:docs"));
    const res = await fetch(`${h.base}/webhook/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": newDeliveryId(),
        "x-hub-signature-256": await sign(GITHUB_SECRET, body),
      },
      body,
    });
    expect(res.status).toBe(202);
  });

  it("accepts deliveries signed with either secret while one is rotated", async () => {
    const res = await deliver(h, "issues", labeledIssue("orchestrator:docs"), { secret: "old-secret-0" });
    expect(res.status).toBe(202);
  });

  it("answers ping with 200 and queues nothing", async () => {
    const res = await deliver(h, "ping", githubExample("ping", undefined));
    expect(res.status).toBe(200);
    expect(await renderJobCount(h)).toBe(0);
  });
});

describe("GitHub webhook: duplicates", () => {
  it("answers a redelivery with the same run id and creates nothing", async () => {
    const deliveryId = newDeliveryId();
    const first = await deliver(h, "issues", labeledIssue("orchestrator:code"), { deliveryId });
    const again = await deliver(h, "issues", labeledIssue("orchestrator:code"), { deliveryId });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ runId: first.body["runId"], duplicate: true });
    expect((await h.runStore.list()).runs).toHaveLength(1);
    expect(await renderJobCount(h)).toBe(1);
  });

  it("re-adds the render job when a redelivery finds the run recorded but not queued", async () => {
    const deliveryId = newDeliveryId();
    const first = await deliver(h, "issues", labeledIssue("orchestrator:code"), { deliveryId });
    await h.renderQueue.remove(first.body["runId"] as string); // as if the process died between the two steps
    expect(await renderJobCount(h)).toBe(0);
    const again = await deliver(h, "issues", labeledIssue("orchestrator:code"), { deliveryId });
    expect(again.body["runId"]).toBe(first.body["runId"]);
    expect(await renderJobCount(h)).toBe(1);
  });

  it("does not start a second run for the same issue and kind while one is active", async () => {
    const first = await deliver(h, "issues", labeledIssue("orchestrator:code"));
    const second = await deliver(h, "issue_comment", comment("/orchestrator code"));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ runId: first.body["runId"], active: true });
    expect(await renderJobCount(h)).toBe(1);
  });
});

describe("GitHub webhook: rejected deliveries queue nothing", () => {
  it("401 for a bad signature", async () => {
    const res = await deliver(h, "issues", labeledIssue("orchestrator:code"), { secret: "wrong-secret" });
    expect(res.status).toBe(401);
    expect(res.body["error"]).toMatch(/X-Hub-Signature-256/);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("400 naming the missing headers", async () => {
    const res = await deliver(h, "issues", labeledIssue("orchestrator:code"), {
      headers: { "x-github-delivery": undefined, "x-hub-signature-256": undefined },
    });
    expect(res.status).toBe(400);
    expect(res.body["error"]).toBe("missing header(s): X-GitHub-Delivery, X-Hub-Signature-256");
    expect(await renderJobCount(h)).toBe(0);
  });

  it("413 for a body over BODY_LIMIT", async () => {
    const payload = labeledIssue("orchestrator:code");
    (payload["issue"] as Record<string, unknown>)["body"] = "x".repeat(1_100_000);
    const res = await deliver(h, "issues", payload);
    expect(res.status).toBe(413);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("400 for a signed body that is not JSON, 415 for a form-encoded delivery", async () => {
    const broken = await deliver(h, "issues", {}, { rawBody: '{"action": "labeled",' });
    expect(broken.status).toBe(400);
    expect(broken.body["error"]).toMatch(/not valid JSON/);
    const form = await deliver(
      h,
      "issues",
      {},
      {
        rawBody: "payload=%7B%7D",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
    );
    expect(form.status).toBe(415);
    expect(await renderJobCount(h)).toBe(0);
  });
});

describe("GitHub webhook: closed issues and pull requests", () => {
  it("starts no run from a closed issue, whether it is labelled or asked by a command", async () => {
    const labeled = labeledIssue("orchestrator:code");
    (labeled["issue"] as Record<string, unknown>)["state"] = "closed";
    const commanded = comment("/orchestrator code 1");
    (commanded["issue"] as Record<string, unknown>)["state"] = "closed";
    const docs = comment("/orchestrator docs");
    (docs["issue"] as Record<string, unknown>)["state"] = "closed";

    for (const [event, payload] of [
      ["issues", labeled],
      ["issue_comment", commanded],
      ["issue_comment", docs],
    ] as const) {
      const res = await deliver(h, event, payload);
      expect(res).toEqual({ status: 202, body: { ignored: "issue is closed" } });
    }
    expect(await renderJobCount(h)).toBe(0);
  });

  it("starts no run from a command on a closed pull request", async () => {
    const payload = githubExample("pull_request_review_comment", "created");
    (payload["comment"] as Record<string, unknown>)["body"] = "/orchestrator docs";
    (payload["pull_request"] as Record<string, unknown>)["state"] = "closed";
    const res = await deliver(h, "pull_request_review_comment", payload);
    expect(res).toEqual({ status: 202, body: { ignored: "pull request is closed" } });
    expect(await renderJobCount(h)).toBe(0);
  });
});

describe("GitHub webhook: who may trigger", () => {
  it("ignores a slash command from an untrusted commenter, with the reason", async () => {
    const res = await deliver(
      h,
      "issue_comment",
      comment("/orchestrator code 1", "CONTRIBUTOR", { login: "stranger" }),
    );
    expect(res.status).toBe(202);
    expect(res.body["ignored"]).toMatch(/stranger \(CONTRIBUTOR\) may not trigger runs/);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("lets an allow-listed user trigger whatever their association", async () => {
    const res = await deliver(
      h,
      "issue_comment",
      comment("/orchestrator docs", "NONE", { login: "trusted-outsider" }),
    );
    expect(res.status).toBe(202);
    expect(res.body["runId"]).toBeDefined();
  });

  it("ignores bots and the orchestrator's own comments", async () => {
    const bot = await deliver(
      h,
      "issue_comment",
      comment("/orchestrator code 1", "NONE", { login: "dependabot[bot]", type: "Bot" }),
    );
    expect(bot.status).toBe(202);
    expect(bot.body["ignored"]).toMatch(/dependabot\[bot\] is a bot/);
    const self = await deliver(
      h,
      "issue_comment",
      comment("<!-- orchestrator:status -->\nRun started. /orchestrator code 1", "OWNER", {
        login: "orchestrator-bot[bot]",
      }),
    );
    expect(self.body["ignored"]).toMatch(/orchestrator itself/);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("ignores comments without a command, unknown labels and invalid options", async () => {
    expect(
      (await deliver(h, "issue_comment", githubExample("issue_comment", "created"))).body["ignored"],
    ).toMatch(/holds no \/orchestrator command/);
    expect((await deliver(h, "issues", labeledIssue("bug"))).body["ignored"]).toMatch(
      /label "bug" is not a trigger/,
    );
    expect(
      (await deliver(h, "issue_comment", comment("/orchestrator code 1 --service Bad;rm"))).body["ignored"],
    ).toMatch(/--service must match/);
    expect((await deliver(h, "issues", githubExample("issues", "opened"))).body["ignored"]).toMatch(
      /issues.opened does not trigger/,
    );
    expect(await renderJobCount(h)).toBe(0);
  });
});
