import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe("run API: the original service's endpoints", () => {
  it("POST /api/v1/pm/tasks takes the snake_case CodeRequest", async () => {
    const res = await api(h, "POST", "/api/v1/pm/tasks", {
      body: {
        task_id: 7,
        service: "trader",
        repository_url: "git@github.com:5dlabs/trader.git",
        docs_repository_url: "git@github.com:5dlabs/platform.git",
        docs_project_directory: "_projects/trader",
        working_directory: null,
        github_user: "swe-1-5dlabs",
        local_tools: "filesystem, read_file",
        remote_tools: ["github"],
        tool_config: "minimal",
        context_version: 2,
        prompt_modification: "focus on tests",
        continue_session: true,
        overwrite_memory: false,
        env: { RUST_LOG: "debug" },
        env_from_secrets: [{ name: "API_KEY", secretName: "agent-trader-secrets", secretKey: "api-key" }],
        docs_branch: "main",
        model: "opus",
      },
    });
    expect(res.status).toBe(202);
    const run = await h.runStore.get(res.body["runId"] as string);
    expect(run?.request).toMatchObject({
      kind: "code",
      taskId: 7,
      docsProjectDirectory: "_projects/trader",
      workingDirectory: "trader",
      localTools: ["filesystem", "read_file"],
      remoteTools: ["github"],
      toolConfig: "minimal",
      contextVersion: 2,
      continueSession: true,
      env: { RUST_LOG: "debug" },
      envFromSecrets: [{ name: "API_KEY", secretName: "agent-trader-secrets", secretKey: "api-key" }],
      model: "claude-opus-4-20250514",
    });
  });

  it("POST /api/v1/pm/docs/generate takes the DocsRequest; errors use snake_case paths", async () => {
    const ok = await api(h, "POST", "/api/v1/pm/docs/generate", {
      body: {
        repository_url: "https://github.com/5dlabs/platform",
        working_directory: "_projects/simple-api",
        source_branch: "feature/docs",
        github_user: "swe-1-5dlabs",
      },
    });
    expect(ok.status).toBe(202);
    expect((await h.runStore.get(ok.body["runId"] as string))?.request).toMatchObject({
      kind: "docs",
      model: "claude-opus-4-20250514",
      sourceBranch: "feature/docs",
    });
    const bad = await api(h, "POST", "/api/v1/pm/docs/generate", {
      body: { repository_url: "not a url", working_directory: "../etc", source_branch: "-x", extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect((bad.body["details"] as { path: string }[]).map((d) => d.path).sort()).toEqual([
      "extra",
      "github_user",
      "repository_url",
      "source_branch",
      "working_directory",
    ]);
    expect(bad.body["details"]).toContainEqual({ path: "extra", message: "unknown field" });
    expect(bad.body["details"]).toContainEqual({ path: "github_user", message: "required" });
  });

  it("POST /api/v1/pm/tasks refuses unknown local tools and secret-looking env names, in snake_case", async () => {
    const res = await api(h, "POST", "/api/v1/pm/tasks", {
      body: {
        task_id: 7,
        service: "trader",
        repository_url: "git@github.com:5dlabs/trader.git",
        github_user: "swe-1-5dlabs",
        local_tools: "filesystem,git",
        env: { GITHUB_TOKEN: "ghp_x" },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body["details"]).toEqual([
      {
        path: "local_tools.1",
        message: expect.stringMatching(/^unknown local tool: must be one of filesystem, read_file, /),
      },
      { path: "env.GITHUB_TOKEN", message: expect.stringContaining("pass it with env_from_secrets") },
    ]);
  });
});
