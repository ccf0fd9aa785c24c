import {
  ALLOWED_CODE_RUN,
  LEAKED_TOKEN,
  POLICY_CASES,
  POLICY_RULES_YAML,
  type PolicyCase,
  redisText,
} from "@orchestrator/policy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grafanaNotification } from "./fixtures/alerts.js";
import { api, deliver, GRAFANA_TOKEN, githubExample, type Harness, startHarness } from "./harness.js";

// The trust-boundary table of issue 10, through every source the ingress serves. Each refused
// request must be answered with the status and the rule/field, and leave nothing in Redis.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rules: POLICY_RULES_YAML });
});
afterAll(async () => {
  await h.close();
});

async function nothingStored(): Promise<void> {
  expect((await h.runStore.list({})).runs).toEqual([]);
  const stored = await redisText(h.redis, h.prefix);
  expect(stored).not.toContain(LEAKED_TOKEN);
  expect(stored).not.toContain("attacker.example");
  expect(stored).not.toContain("169.254.169.254");
}

function refusalOf(c: PolicyCase, res: { status: number; body: Record<string, unknown> }): void {
  expect(res.status, c.name).toBe(c.status);
  expect(JSON.stringify(res.body), c.name).toContain(c.names);
  expect(JSON.stringify(res.body)).not.toContain(LEAKED_TOKEN);
}

async function policyRefusals(source: string, reason: string): Promise<number> {
  const metric = await h.registry.getSingleMetric("orchestrator_policy_refusals_total")?.get();
  return (
    metric?.values.find((v) => v.labels["source"] === source && v.labels["reason"] === reason)?.value ?? 0
  );
}

describe("trust-boundary policy: HTTP API and PM aliases", () => {
  it.each(POLICY_CASES.map((c) => [c.name, c] as const))("API refuses %s", async (_name, c) => {
    const res = await api(h, "POST", "/api/v1/runs", { body: { ...ALLOWED_CODE_RUN, ...c.change } });
    refusalOf(c, res);
  });

  it.each(POLICY_CASES.filter((c) => c.change.callbackUrl === undefined).map((c) => [c.name, c] as const))(
    "PM alias /api/v1/pm/tasks refuses %s",
    async (_name, c) => {
      const { repositoryUrl, docsRepositoryUrl, githubUser, env, envFromSecrets, promptModification } = {
        ...ALLOWED_CODE_RUN,
        ...c.change,
      };
      const res = await api(h, "POST", "/api/v1/pm/tasks", {
        body: {
          task_id: ALLOWED_CODE_RUN.taskId,
          service: ALLOWED_CODE_RUN.service,
          repository_url: repositoryUrl,
          docs_repository_url: docsRepositoryUrl,
          github_user: githubUser,
          ...(env ? { env } : {}),
          ...(envFromSecrets ? { env_from_secrets: envFromSecrets } : {}),
          ...(promptModification ? { prompt_modification: promptModification } : {}),
        },
      });
      refusalOf(c, res);
    },
  );

  it("stored nothing for any refused request, and counts the refusals by source and reason", async () => {
    await nothingStored();
    expect(await policyRefusals("api", "env_name")).toBeGreaterThanOrEqual(7);
    expect(await policyRefusals("api", "callback_url")).toBeGreaterThanOrEqual(5);
  });

  it("refuses an Idempotency-Key reused with a different body (422) instead of answering the first run", async () => {
    const headers = { "idempotency-key": "policy-reuse-1" };
    const first = await api(h, "POST", "/api/v1/runs", { body: ALLOWED_CODE_RUN, headers });
    expect(first.status).toBe(202);
    const same = await api(h, "POST", "/api/v1/runs", { body: ALLOWED_CODE_RUN, headers });
    expect(same.body["runId"]).toBe(first.body["runId"]);
    const changed = { ...ALLOWED_CODE_RUN, env: { MARKER: "second-body" } };
    const reused = await api(h, "POST", "/api/v1/runs", { body: changed, headers });
    expect(reused.status).toBe(422);
    expect(reused.body["error"]).toMatch(/Idempotency-Key .*different body/);
    expect(reused.body["runId"]).toBeUndefined();
    expect(await redisText(h.redis, h.prefix)).not.toContain("second-body");
    expect((await h.runStore.list({})).runs).toHaveLength(1);
  });
});

describe("trust-boundary policy: Grafana webhook", () => {
  async function alert(labels: Record<string, string>, fingerprint: string) {
    const body = grafanaNotification({ fingerprint });
    const first = body.alerts[0] as { labels: Record<string, string> };
    first.labels = { ...first.labels, orchestrator_service: "app", ...labels };
    const res = await fetch(`${h.base}/webhooks/grafana`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${GRAFANA_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { alerts: Record<string, unknown>[] } };
  }

  it.each([
    ["a repository label outside the rules", { orchestrator_repository: "otherorg/secret" }, "repositories"],
    [
      "a repository label on a foreign host",
      { orchestrator_repository: "https://attacker.example/acme/app.git" },
      "ALLOWED_GIT_HOSTS",
    ],
    [
      "a GitHub user label the rule does not list",
      { orchestrator_repository: "acme/app", orchestrator_github_user: "someone-else" },
      "repositories[match=acme/*]",
    ],
  ] as const)("refuses %s with a clear outcome, not a 5xx", async (_name, labels, names) => {
    const before = (await h.runStore.list({})).runs.length;
    const res = await alert(labels, `f-${names.length}-${Object.keys(labels).length}`);
    expect(res.status).toBe(200);
    expect(res.body.alerts[0]).toMatchObject({ outcome: "refused", reason: expect.stringContaining(names) });
    expect((await h.runStore.list({})).runs).toHaveLength(before);
  });

  it("still accepts an alert the rules allow (the refusals above are the policy, not a broken route)", async () => {
    const res = await alert(
      { orchestrator_repository: "acme/app", orchestrator_github_user: "claude-agent-2" },
      "ok1",
    );
    expect(res.status).toBe(202);
    expect(res.body.alerts[0]).toMatchObject({ outcome: "accepted" });
  });
});

describe("trust-boundary policy: GitHub webhook", () => {
  function labeledIssue(body: string) {
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code", color: "ededed" };
    (payload["issue"] as Record<string, unknown>)["body"] = body;
    return payload;
  }

  it("refuses an issue whose text carries a GitHub token: 422 naming the field, nothing stored", async () => {
    const before = await redisText(h.redis, h.prefix);
    const res = await deliver(h, "issues", labeledIssue(`please use ${LEAKED_TOKEN}`));
    expect(res.status).toBe(422);
    expect(res.body["error"]).toMatch(/^instructions: looks like a GitHub token/);
    expect(JSON.stringify(res.body)).not.toContain(LEAKED_TOKEN);
    expect(await redisText(h.redis, h.prefix)).not.toContain(LEAKED_TOKEN);
    expect((await redisText(h.redis, h.prefix)).length).toBeGreaterThanOrEqual(before.length);
  });

  it("refuses an issue whose text carries a NUL byte: 400 naming the field", async () => {
    const res = await deliver(h, "issues", labeledIssue("a\u0000b"));
    expect(res.status).toBe(400);
    expect(res.body["error"]).toMatch(/^instructions: contains a control or invisible character/);
  });

  it("accepts the same issue without them (the example repository's rule allows it)", async () => {
    const res = await deliver(h, "issues", labeledIssue("plain text"));
    expect(res.status).toBe(202);
  });
});
