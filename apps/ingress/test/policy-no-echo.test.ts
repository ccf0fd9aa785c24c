import { ALLOWED_CODE_RUN, LEAKED_TOKEN, POLICY_RULES_YAML, redisText } from "@orchestrator/policy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type Harness, startHarness } from "./harness.js";

// A refusal must not repeat what it refuses: an env name, a Secret reference name, a local tool or an
// unknown field may itself be a pasted credential. Answers and Redis stay free of it.

const AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rules: POLICY_RULES_YAML });
});
afterAll(async () => {
  await h.close();
});

let n = 0;
const post = (body: Record<string, unknown>, path = "/api/v1/runs", headers: Record<string, string> = {}) =>
  api(h, "POST", path, { body, headers: { "idempotency-key": `echo-${++n}`, ...headers } });

describe("refusals never repeat the refused name or value", () => {
  it.each([
    ["a GitHub token as an env name", { env: { [LEAKED_TOKEN]: "x" } }, 422, "env[0]"],
    ["an AWS key id as an env name", { env: { FEATURE: "1", [AWS_KEY_ID]: "x" } }, 422, "env[1]"],
    [
      "a GitHub token as an envFromSecrets name",
      { envFromSecrets: [{ name: LEAKED_TOKEN, secretName: "agent-db", secretKey: "url" }] },
      422,
      "envFromSecrets.0.name",
    ],
    ["a GitHub token as a local tool", { localTools: ["read_file", LEAKED_TOKEN] }, 400, "localTools.1"],
    ["a GitHub token as an unknown field", { [LEAKED_TOKEN]: true }, 400, "[6]"],
    ["a GitHub token as an env name with a bad value", { env: { [LEAKED_TOKEN]: 5 } }, 400, "env[0]"],
  ] as const)("%s: %s naming %s", async (_name, change, status, path) => {
    const res = await post({ ...ALLOWED_CODE_RUN, ...change });
    expect(res.status).toBe(status);
    const answer = JSON.stringify(res.body);
    expect(answer).not.toContain(LEAKED_TOKEN);
    expect(answer).not.toContain(AWS_KEY_ID);
    expect((res.body["details"] as { path: string }[]).map((d) => d.path)).toContain(path);
  });

  it("the PM alias and an Idempotency-Key carrying a token; Redis holds none of them", async () => {
    const pm = await post(
      {
        task_id: 1,
        service: "app",
        repository_url: ALLOWED_CODE_RUN.repositoryUrl,
        docs_repository_url: ALLOWED_CODE_RUN.docsRepositoryUrl,
        github_user: ALLOWED_CODE_RUN.githubUser,
        env: { [LEAKED_TOKEN]: "x" },
      },
      "/api/v1/pm/tasks",
    );
    expect(pm.status).toBe(422);
    expect(JSON.stringify(pm.body)).not.toContain(LEAKED_TOKEN);
    const key = await post({ ...ALLOWED_CODE_RUN }, "/api/v1/runs", { "idempotency-key": LEAKED_TOKEN });
    expect(key.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(key.body)).not.toContain(LEAKED_TOKEN);

    expect((await h.runStore.list({})).runs).toEqual([]);
    const stored = await redisText(h.redis, h.prefix);
    expect(stored).not.toContain(LEAKED_TOKEN);
    expect(stored).not.toContain(AWS_KEY_ID);
  });
});

describe("ALLOWED_ENV_SECRETS", () => {
  let custom: Harness;
  beforeAll(async () => {
    custom = await startHarness({ rules: POLICY_RULES_YAML, env: { ALLOWED_ENV_SECRETS: "trader-db,*" } });
  });
  afterAll(async () => {
    await custom.close();
  });
  const mount = (h: Harness, secretName: string) =>
    api(h, "POST", "/api/v1/runs", {
      body: { ...ALLOWED_CODE_RUN, envFromSecrets: [{ name: "DB_URL", secretName, secretKey: "url" }] },
      headers: { "idempotency-key": `mount-${secretName}-${++n}` },
    });

  it("by default admits agent-* only: another Secret is 403 naming ALLOWED_ENV_SECRETS", async () => {
    expect((await mount(h, "agent-trader-db")).status).toBe(202);
    const other = await mount(h, "trader-db");
    expect(other.status).toBe(403);
    expect(other.body["rule"]).toBe("ALLOWED_ENV_SECRETS");
    expect(other.body["error"]).toContain("envFromSecrets.0.secretName");
  });

  it("admits what the operator lists, but never the orchestrator's own Secrets or GitHub credentials, even with *", async () => {
    expect((await mount(custom, "trader-db")).status).toBe(202);
    for (const own of [
      "orchestrator-watcher",
      "orchestrator-ingress",
      "orchestrator-redis",
      "github-pat-x",
    ]) {
      const res = await mount(custom, own);
      expect(res.status, own).toBe(403);
      expect(res.body["rule"], own).toBe("credential-secrets");
      expect(JSON.stringify(res.body)).not.toContain(own);
    }
    const runs = (await custom.runStore.list({})).runs;
    expect(
      runs.map((r) => (r.request.kind === "code" ? r.request.envFromSecrets[0]?.secretName : "")),
    ).toEqual(["trader-db"]);
  });

  it("never another run's GitHub App token Secret (<kind>-<runId>-github-token), even with *", async () => {
    for (const token of ["code-20261203-abcdef-github-token", "docs-20261203-abcdef-github-token"]) {
      const res = await mount(custom, token);
      expect(res.status, token).toBe(403);
      expect(res.body["rule"], token).toBe("credential-secrets");
    }
  });
});
