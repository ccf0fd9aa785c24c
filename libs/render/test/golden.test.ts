import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_ENV, AGENT_PATHS, type RunRequest } from "@orchestrator/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRenderer,
  defaultTemplatesDir,
  type Renderer,
  type RunInfo,
  WORKSPACE_PLACEHOLDER,
} from "../src/index.js";
import { makeTempDir } from "./support/git-fixtures.js";
import { codeRequest, docsRequest, FIXED_RUN } from "./support/requests.js";

const DEFAULT_REMOTE = [
  "brave-search_brave_web_search",
  "memory_create_entities",
  "rustdocs_query_rust_docs",
];

const CASES: { name: string; request: RunRequest; run?: RunInfo }[] = [
  { name: "docs", request: docsRequest() },
  {
    name: "docs-https-instructions",
    request: docsRequest({
      repositoryUrl: "https://github.com/5dlabs/platform.git",
      sourceBranch: "release/1.2",
      workingDirectory: ".",
      instructions: "Only tasks 3-5 changed; regenerate their docs & keep <others> as they are.",
      source: {
        type: "github",
        deliveryId: "d1",
        event: "issue_comment",
        repository: "5dlabs/platform",
        sender: "octocat",
      },
    }),
  },
  { name: "code-minimal", request: codeRequest({ toolConfig: "minimal" }) },
  { name: "code-default", request: codeRequest({ toolConfig: "default" }) },
  { name: "code-advanced", request: codeRequest({ toolConfig: "advanced" }) },
  {
    name: "code-retry-replace",
    request: codeRequest({
      toolConfig: "default",
      branch: "develop",
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsProjectDirectory: "services/trader",
      contextVersion: 2,
      sessionId: "5e55a1d0-0000-4000-8000-000000000001",
      continueSession: true,
      promptMode: "replace",
      promptModification: "The tests in `order_book.rs` fail; fix them without changing the API.",
      instructions: "Alert: p99 latency > 2s on /orders",
      retryCount: 1,
      maxRetries: 2,
      env: { RUST_LOG: "debug" },
    }),
    run: { ...FIXED_RUN, runId: "run-20250726-0002", attempt: 2 },
  },
];

const GOLDEN_DIR = fileURLToPath(new URL("golden/", import.meta.url));

/**
 * Under CI (as vitest reads it: CI set to anything but "false"/"0") a golden file is never written, only compared:
 * a missing one fails the test instead of being created and passing. Locally a missing one is written for review.
 */
const IN_CI = !!process.env["CI"] && !["false", "0"].includes(process.env["CI"].toLowerCase());

/** Every file under the golden directory, as `<case>/<key>`. */
function goldenFilesOnDisk(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? readdirSync(join(GOLDEN_DIR, entry.name)).map((file) => `${entry.name}/${file}`)
      : [entry.name],
  );
}

describe("golden renders", () => {
  let renderer: Renderer;
  beforeAll(async () => {
    renderer = await createRenderer();
  });
  afterAll(() => renderer.close());

  for (const { name, request, run } of CASES) {
    it(`${name}: every file matches its golden copy`, async () => {
      const { files } = renderer.render(request, run ?? FIXED_RUN);
      for (const [key, content] of Object.entries(files)) {
        const golden = join(GOLDEN_DIR, name, key);
        if (IN_CI) {
          expect(
            existsSync(golden),
            `golden file test/golden/${name}/${key} is missing: run the tests without CI to write it, review and commit it`,
          ).toBe(true);
        }
        await expect(content).toMatchFileSnapshot(golden);
      }
    });

    it(`${name}: JSON files parse and scripts pass bash -n`, () => {
      const { files } = renderer.render(request, run ?? FIXED_RUN);
      const dir = makeTempDir(`golden-${name}`);
      for (const [key, content] of Object.entries(files)) {
        if (key.endsWith(".json")) expect(() => JSON.parse(content), key).not.toThrow();
        if (key.endsWith(".sh")) {
          writeFileSync(join(dir, key), content);
          expect(() => execFileSync("bash", ["-n", join(dir, key)], { stdio: "pipe" }), key).not.toThrow();
          expect(content.startsWith("#!/usr/bin/env bash\n"), key).toBe(true);
        }
      }
      const settings = JSON.parse(files["settings.json"]!);
      expect(settings.permissions.defaultMode).toBe("acceptEdits");
      expect(settings.model).toBe(request.model);
      if (request.kind === "docs") {
        expect(settings.hooks.Stop[0].hooks[0].command).toContain(".claude/hooks/stop-pr-creation.sh");
      } else {
        expect(settings.hooks).toBeUndefined();
      }
    });
  }

  it("reports golden files that no case renders (and, under CI, missing ones)", () => {
    const expected = CASES.flatMap(({ name, request, run }) =>
      Object.keys(renderer.render(request, run ?? FIXED_RUN).files).map((key) => `${name}/${key}`),
    ).sort();
    const onDisk = goldenFilesOnDisk().sort();
    // a stale golden (a renamed output, a removed case) would otherwise sit there unchecked
    expect(
      onDisk.filter((f) => !expected.includes(f)),
      "golden files no case renders",
    ).toEqual([]);
    // locally the snapshot tests above write missing ones (to disk after this file's tests)
    if (IN_CI)
      expect(
        expected.filter((f) => !onDisk.includes(f)),
        "missing golden files",
      ).toEqual([]);
  });

  it.each([
    ["minimal", [], []],
    ["default", DEFAULT_REMOTE, []],
    ["advanced", [...DEFAULT_REMOTE, "github_create_issue"], ["filesystem"]],
  ] as const)(
    "the %s preset's tools reach mcp.json, client-config.json and mcp-tools.md",
    (preset, remote, local) => {
      const { files } = renderer.render(codeRequest({ toolConfig: preset }), FIXED_RUN);
      const mcp = JSON.parse(files["mcp.json"]!);
      const client = JSON.parse(files["client-config.json"]!);
      expect(client.remoteTools).toEqual(remote);
      expect(Object.keys(client.localServers)).toEqual(local);
      expect(Object.keys(mcp.mcpServers)).toEqual([...(remote.length > 0 ? ["toolman"] : []), ...local]);
      if (remote.length > 0) {
        expect(mcp.mcpServers.toolman).toEqual({
          type: "http",
          url: "http://toolman.mcp.svc.cluster.local:3000/mcp",
        });
      }
      if (preset === "advanced") {
        expect(mcp.mcpServers.filesystem.args).toEqual([
          "-y",
          "@modelcontextprotocol/server-filesystem",
          WORKSPACE_PLACEHOLDER,
        ]);
        expect(client.localServers.filesystem.tools).toContain("read_file");
      }
      for (const tool of remote) expect(files["mcp-tools.md"]).toContain(`\`${tool}\``);
    },
  );

  it("explicit tool lists override the preset in the rendered files", () => {
    const { files } = renderer.render(
      codeRequest({
        toolConfig: "advanced",
        remoteTools: ["memory_create_entities"],
        localTools: ["list_directory"],
      }),
      FIXED_RUN,
    );
    const client = JSON.parse(files["client-config.json"]!);
    expect(client.remoteTools).toEqual(["memory_create_entities"]);
    expect(client.localServers.filesystem.tools).toEqual(["list_directory"]);
    expect(JSON.parse(files["settings.json"]!).permissions.allow).toEqual(
      expect.arrayContaining(["mcp__toolman", "mcp__filesystem"]),
    );
  });

  it("keeps &, <, > and quotes as they are (no HTML escaping)", () => {
    const text = `a & b <c> "d" 'e' = \`f\``;
    const { files } = renderer.render(
      codeRequest({ instructions: text, promptModification: text }),
      FIXED_RUN,
    );
    expect(files["prompt.md"]).toContain(text);
    expect(Object.values(files).join("\n")).not.toMatch(/&(amp|lt|gt|quot|#x27|#x3D|#x60);/);
  });

  it("script templates put request values only in shell-quoted assignments", () => {
    const root = defaultTemplatesDir();
    const scripts = ["docs", "code", "docs/hooks", "code/hooks", "partials"].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith(".sh.hbs"))
        .map((f) => join(root, dir, f)),
    );
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const file of scripts) {
      const mustaches = readFileSync(file, "utf8").match(/\{\{[^}]*\}\}/g) ?? [];
      for (const mustache of mustaches) {
        expect(mustache, file).toMatch(/^\{\{(shellQuote [a-z_]+|> [a-z-]+)\}\}$/);
      }
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line.includes("{{shellQuote")) expect(line, file).toMatch(/^[A-Z_]+=\{\{shellQuote [a-z_]+\}\}$/);
      }
    }
  });

  it("container scripts take every path from the agent environment contract, with the in-pod defaults", () => {
    for (const request of [docsRequest(), codeRequest()]) {
      const script = renderer.render(request, FIXED_RUN).files["container.sh"]!;
      for (const key of [
        "configDir",
        "workspaceDir",
        "resultFile",
        "sshKeyDir",
        "githubTokenFile",
      ] as const) {
        expect(script).toContain(`"\${${AGENT_ENV[key]}:-${AGENT_PATHS[key]}}"`);
      }
      expect(script).toContain(`\${${AGENT_ENV.sshKnownHosts}:-}`);
      expect(script).toContain(AGENT_ENV.runId);
      expect(script).toContain(AGENT_PATHS.managedSettings);
      expect(script).not.toContain("StrictHostKeyChecking=no");
    }
  });
});
