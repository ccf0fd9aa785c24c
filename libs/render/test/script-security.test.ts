import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type RenderContext, type Renderer, shellQuote } from "../src/index.js";
import { createRemote, isolatedGitEnv, makeTempDir } from "./support/git-fixtures.js";
import { codeRequest, docsRequest, FIXED_RUN } from "./support/requests.js";
import {
  claudeCalls,
  createSandbox,
  runBash,
  runContainerScript,
  type ScriptSandbox,
  writeConfig,
} from "./support/script-harness.js";

const TARGET_URL = "git@github.com:5dlabs/trader.git";
const DOCS_URL = "git@github.com:5dlabs/platform.git";

/**
 * Ways a value could break out of its quoting, all aimed at creating `marker`: command substitution, backticks,
 * separators, pipes, a newline, both quote characters, and git option and transport injection.
 */
function hostileValues(marker: string): string[] {
  return [
    `x$(touch ${marker})\`touch ${marker}\`;touch ${marker}|touch ${marker}&&touch ${marker}\ntouch ${marker}\n"$HOME\\`,
    `x' ; touch ${marker} ; echo '`,
    `--upload-pack=touch ${marker}`,
    `ext::sh -c touch% ${marker}`,
  ];
}

function setup() {
  const root = makeTempDir("security");
  const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
  const docs = createRemote(
    root,
    "platform",
    {
      "_projects/trader/.taskmaster/tasks/tasks.json": JSON.stringify({ tasks: [{ id: 1, title: "t" }] }),
      "_projects/trader/.taskmaster/docs/task-1/task.md": "# Task 1\n",
    },
    gitEnv,
  );
  const target = createRemote(root, "trader", { "README.md": "# trader\n" }, gitEnv);
  const sandbox = createSandbox(root, { [TARGET_URL]: target.url, [DOCS_URL]: docs.url });
  return { sandbox, marker: join(root, "pwned") };
}

describe("rendered scripts with hostile values", () => {
  let renderer: Renderer;
  beforeAll(async () => {
    renderer = await createRenderer();
  });
  afterAll(() => renderer.close());

  it("treat free text the schema allows (promptModification, instructions, env) as data, end to end", async () => {
    const { sandbox, marker } = setup();
    const text = hostileValues(marker).join("\n");
    const request = codeRequest({
      promptModification: text,
      instructions: text,
      env: { EVIL: text },
    });
    const { files } = renderer.render(request, FIXED_RUN);
    writeConfig(sandbox, files);

    const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code" });

    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const [call] = claudeCalls(sandbox);
    expect(call!.prompt).toContain(text);
    expect(JSON.parse(files["settings.json"]!).env.EVIL).toBe(text);
    // free text never reaches a script
    expect(files["container.sh"]).not.toContain(marker);
    expect(files["hooks-stop-pr-creation.sh"]).not.toContain(marker);

    const docs = setup();
    writeConfig(
      docs.sandbox,
      renderer.render(docsRequest({ repositoryUrl: DOCS_URL, instructions: text }), FIXED_RUN).files,
    );
    const docsRun = await runContainerScript(docs.sandbox, { FAKE_CLAUDE_MODE: "docs" });
    expect(docsRun.status, docsRun.stderr).toBe(0);
    expect(existsSync(docs.marker)).toBe(false);
    expect(claudeCalls(docs.sandbox)[0]!.prompt).toContain(text);
  });

  /** every context key the scripts and hooks read */
  const scriptFields: Record<"docs" | "code", (keyof RenderContext)[]> = {
    docs: [
      "run_id",
      "attempt",
      "repository_url",
      "source_branch",
      "docs_branch_prefix",
      "working_directory",
      "model",
      "github_user",
      "git_author_name",
      "git_author_email",
    ],
    code: [
      "run_id",
      "attempt",
      "context_version",
      "task_id",
      "service_name",
      "repository_url",
      "docs_repository_url",
      "docs_branch",
      "docs_project_directory",
      "branch",
      "feature_branch",
      "working_directory",
      "model",
      "github_user",
      "git_author_name",
      "git_author_email",
      "session_id",
      "continue_session",
      "overwrite_memory",
      "has_instructions",
      "task_prompt_begin_marker",
      "task_prompt_end_marker",
    ],
  };

  for (const kind of ["docs", "code"] as const) {
    it(`${kind}: quote every value that bypassed validation, so scripts and hooks never execute it`, async () => {
      const { sandbox, marker } = setup();
      const request = kind === "docs" ? docsRequest({ repositoryUrl: DOCS_URL }) : codeRequest();
      const base = renderer.buildContext(request, FIXED_RUN);
      let runs = 0;
      for (const field of scriptFields[kind]) {
        for (const value of hostileValues(marker)) {
          const context = { ...base, [field]: value } as RenderContext;
          const { files } = renderer.renderRun(request, context);
          const paths: string[] = [];
          for (const script of ["container.sh", "hooks-stop-pr-creation.sh"]) {
            const content = files[script]!;
            paths.push(join(sandbox.root, `syntax-check-${script}`));
            writeFileSync(paths[paths.length - 1]!, content);
            if (content.includes(`=${shellQuote(value)}\n`)) continue;
            // a value a script uses appears only as a quoted assignment
            expect(content.includes(value), `${field} unquoted in ${script}`).toBe(false);
          }
          const syntax = await runBash(
            ["-c", 'for f; do bash -n "$f" || exit 1; done', "_", ...paths],
            sandbox.env,
            sandbox.root,
          );
          expect(syntax.status, `${field}: ${syntax.stderr}`).toBe(0);
          writeConfig(sandbox, files);
          const run = await runContainerScript(sandbox);
          runs += 1;
          expect(existsSync(marker), `${field} = ${JSON.stringify(value)}`).toBe(false);
          // the scripts check every value again before using it
          expect(run.result?.outcome, `${field} = ${JSON.stringify(value)}: ${run.stderr}`).toBe("failed");
          expect(run.result?.reason).toMatch(/^invalid /);
          await runHook(sandbox, kind);
          expect(existsSync(marker), `hook with ${field} = ${JSON.stringify(value)}`).toBe(false);
        }
      }
      expect(runs).toBe(scriptFields[kind].length * hostileValues(marker).length);
    });
  }
});

/** Runs the rendered hook as it would be run, from inside the last clone (if the script got that far). */
async function runHook(sandbox: ScriptSandbox, kind: "docs" | "code"): Promise<void> {
  const hook = join(sandbox.configDir, "hooks-stop-pr-creation.sh");
  const repo = join(sandbox.workspace, kind === "docs" ? "repo" : "target-repo");
  const cwd = existsSync(repo) ? repo : sandbox.root;
  const result = await runBash([hook], sandbox.env, cwd);
  expect(result.status).toBe(0);
  if (existsSync(join(sandbox.workspace, ".orchestrator", "hook-status"))) {
    expect(readFileSync(join(sandbox.workspace, ".orchestrator", "hook-status"), "utf8")).toMatch(
      /^(failed: |no-changes|created|reused)/,
    );
  }
}
