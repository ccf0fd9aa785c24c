import { describe, expect, it } from "vitest";
import { codeRequest, docsRequest, FIXED_RUN } from "../test/support/requests.js";
import { InvalidToolSelectionError } from "./invalid-tool-selection-error.js";
import { buildRenderContext, parseRepositoryUrl } from "./render-context.js";
import { resolveRendererSettings } from "./renderer-settings.js";
import { WORKSPACE_PLACEHOLDER } from "./tool-catalog.js";

const DEFAULT_REMOTE = [
  "brave-search_brave_web_search",
  "memory_create_entities",
  "rustdocs_query_rust_docs",
];

describe("buildRenderContext", () => {
  it("gives docs and code runs the same keys, none of them undefined", () => {
    const docs = buildRenderContext(docsRequest(), {}, FIXED_RUN);
    const code = buildRenderContext(codeRequest(), {}, FIXED_RUN);
    expect(Object.keys(docs).sort()).toEqual(Object.keys(code).sort());
    for (const context of [docs, code]) {
      for (const [key, value] of Object.entries(context)) expect(value, key).not.toBeUndefined();
    }
  });

  it("fills a docs context from the request and the run", () => {
    const context = buildRenderContext(
      docsRequest({ instructions: "Focus on task 3." }),
      { toolmanServerUrl: "http://toolman:3000/mcp" },
      FIXED_RUN,
    );
    expect(context).toMatchObject({
      kind: "docs",
      run_id: "run-20250726-0001",
      attempt: 1,
      rendered_at: "2025-07-26T12:00:00.000Z",
      repository_url: "git@github.com:5dlabs/platform.git",
      auth_kind: "ssh",
      repository_host: "github.com",
      repository_slug: "5dlabs/platform",
      branch: "main",
      source_branch: "main",
      docs_branch_prefix: "docs-generation-",
      feature_branch: null,
      task_id: null,
      docs_repository_url: null,
      tool_config: null,
      remote_tools: [],
      instructions: "Focus on task 3.",
      has_instructions: true,
      toolman_server_url: "http://toolman:3000/mcp",
    });
    expect(context.permissions_allow).not.toContain("NotebookEdit");
  });

  it("fills a code context with the derived branch, project directory and retry fields", () => {
    const context = buildRenderContext(
      codeRequest({
        taskId: 12,
        branch: "develop",
        repositoryUrl: "https://github.com/5dlabs/trader.git",
        sessionId: "abc-123",
        continueSession: true,
        promptModification: "Fix the tests.",
        promptMode: "replace",
        contextVersion: 3,
        retryCount: 1,
        env: { B: "2", A: "1" },
      }),
      {},
      { ...FIXED_RUN, attempt: 2 },
    );
    expect(context).toMatchObject({
      kind: "code",
      task_id: 12,
      service_name: "trader",
      auth_kind: "https",
      docs_auth_kind: "ssh",
      platform_repository_url: "git@github.com:5dlabs/platform.git",
      docs_project_directory: "_projects/trader",
      docs_branch: "main",
      branch: "develop",
      source_branch: "develop",
      feature_branch: "feature/task-12-implementation",
      session_id: "abc-123",
      continue_session: true,
      prompt_modification: "Fix the tests.",
      prompt_mode: "replace",
      context_version: 3,
      is_retry: true,
      git_author_email: "swe-1-5dlabs@users.noreply.github.com",
      env: { A: "1", B: "2" },
    });
    expect(Object.keys(context.env)).toEqual(["A", "B"]);
    expect(context.claude_env).toMatchObject({ A: "1", B: "2", DISABLE_AUTOUPDATER: "1" });
  });

  it.each([
    ["minimal", [], []],
    ["default", DEFAULT_REMOTE, []],
    ["advanced", [...DEFAULT_REMOTE, "github_create_issue"], ["filesystem"]],
  ] as const)("resolves the %s tool preset", (preset, remote, servers) => {
    const context = buildRenderContext(codeRequest({ toolConfig: preset }), {}, FIXED_RUN);
    expect(context.tool_config).toBe(preset);
    expect(context.remote_tools).toEqual(remote);
    expect(context.local_servers.map((s) => s.name)).toEqual(servers);
    if (preset === "advanced") {
      expect(context.local_servers[0]).toMatchObject({
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", WORKSPACE_PLACEHOLDER],
      });
      expect(context.local_tools).toContain("read_file");
      expect(context.permissions_allow).toEqual(expect.arrayContaining(["mcp__toolman", "mcp__filesystem"]));
    }
  });

  it("lets explicit tool lists override the preset", () => {
    const context = buildRenderContext(
      codeRequest({
        toolConfig: "advanced",
        remoteTools: ["github_create_issue"],
        localTools: ["read_file", "write_file"],
      }),
      {},
      FIXED_RUN,
    );
    expect(context.remote_tools).toEqual(["github_create_issue"]);
    expect(context.local_servers).toHaveLength(1);
    expect(context.local_servers[0]!.tools).toEqual(["read_file", "write_file"]);
    expect(context.local_tools).toEqual(["read_file", "write_file"]);

    const none = buildRenderContext(
      codeRequest({ toolConfig: "advanced", remoteTools: [], localTools: [] }),
      {},
      FIXED_RUN,
    );
    expect(none.remote_tools).toEqual([]);
    expect(none.local_servers).toEqual([]);
    expect(none.permissions_allow).not.toContain("mcp__toolman");
  });

  it("rejects a local tool no server provides", () => {
    expect(() => buildRenderContext(codeRequest({ localTools: ["kubectl"] }), {}, FIXED_RUN)).toThrow(
      InvalidToolSelectionError,
    );
  });

  it("applies settings: permission lists, presets, telemetry and extra Claude env", () => {
    const settings = resolveRendererSettings({
      permissions: { allow: ["Read"], deny: ["Bash(rm:*)"] },
      toolPresets: { default: { remoteTools: ["custom_tool"], localServers: [] } },
      telemetry: { otlpEndpoint: "http://otel:4317" },
      claudeEnv: { BASH_DEFAULT_TIMEOUT_MS: "600000" },
    });
    expect(resolveRendererSettings(settings)).toBe(settings);
    const context = buildRenderContext(codeRequest(), settings, FIXED_RUN);
    expect(context.permissions_allow).toEqual(["Read", "mcp__toolman"]);
    expect(context.permissions_deny).toEqual(["Bash(rm:*)"]);
    expect(context.remote_tools).toEqual(["custom_tool"]);
    expect(context.claude_env).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: "1",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      BASH_DEFAULT_TIMEOUT_MS: "600000",
    });
  });

  it.each([
    ["git@github.com:org/repo.git", "github.com", "org/repo"],
    ["ssh://git@ghe.example.com:2222/org/repo", "ghe.example.com", "org/repo"],
    ["https://github.com/org/repo.git", "github.com", "org/repo"],
    ["https://ghe.example.com:8443/org/my.repo", "ghe.example.com", "org/my.repo"],
  ])("parses %s", (url, host, slug) => {
    expect(parseRepositoryUrl(url)).toEqual({ host, slug });
  });
});
