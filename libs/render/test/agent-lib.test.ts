import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseRunResult } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { defaultTemplatesDir } from "../src/index.js";
import { makeTempDir } from "./support/git-fixtures.js";
import { runBash } from "./support/script-harness.js";

/** The shell library partials hold no template expressions, so their source is the rendered text. */
const LIBRARY = ["agent-common.sh.hbs", "agent-runtime.sh.hbs", "agent-git.sh.hbs"]
  .map((file) => readFileSync(join(defaultTemplatesDir(), "partials", file), "utf8"))
  .join("\n");

const STREAM = [
  `{"type":"system","subtype":"init","session_id":"aaaa-1111","cwd":"/w"}`,
  "not json at all",
  `{"type":"assistant","session_id":"aaaa-1111","message":{"content":[]}}`,
  `{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"bbbb-2222","result":"Ran\\tout\\nof turns"}`,
  "",
].join("\n");

/** A PATH with only the named tools, to exercise the fallbacks when node (or jq) is missing. */
function pathWith(dir: string, tools: string[]): string {
  const bin = join(dir, `bin-${tools.length}`);
  mkdirSync(bin, { recursive: true });
  for (const tool of tools) symlinkSync(join("/usr/bin", tool), join(bin, tool));
  return bin;
}

async function runLibrary(dir: string, body: string, path = process.env.PATH ?? ""): Promise<string> {
  const script = join(dir, `lib-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(script, `set -Eeuo pipefail\n${LIBRARY}\n${body}\n`);
  const run = await runBash([script], { PATH: path, LANG: "C.UTF-8" }, dir);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe("agent shell library", () => {
  const basic = ["bash", "cat", "grep", "sed", "tail", "tr", "head", "mkdir", "dirname"];

  it.each([
    ["node", undefined],
    ["jq", [...basic, "jq"]],
  ])("reads the last session id and the result from stream-json with %s", async (_, tools) => {
    const dir = makeTempDir("stream");
    writeFileSync(join(dir, "stream.jsonl"), STREAM);
    const path = tools ? pathWith(dir, tools) : undefined;
    const out = await runLibrary(dir, `orch_stream_summary ${join(dir, "stream.jsonl")}`, path);
    expect(out.split("\x1f")).toEqual(["bbbb-2222", "true", "Ran out of turns"]);
  });

  it("falls back to grep for the session id when neither node nor jq exists", async () => {
    const dir = makeTempDir("stream-grep");
    writeFileSync(join(dir, "stream.jsonl"), STREAM);
    const out = await runLibrary(
      dir,
      `orch_stream_summary ${join(dir, "stream.jsonl")}`,
      pathWith(dir, basic),
    );
    expect(out).toBe("bbbb-2222");
  });

  it("writes a valid result under 4 KiB whatever the reason contains", async () => {
    const dir = makeTempDir("result");
    const resultFile = join(dir, "out", "result.json");
    const reasonFile = join(dir, "reason.txt");
    const reason = `quote " backslash \\ newline\n tab\t bell\x07 ünï ✓ ${"x".repeat(5000)}`;
    writeFileSync(reasonFile, reason);
    await runLibrary(
      dir,
      [
        `RESULT_FILE=${JSON.stringify(resultFile)}`,
        "ORCH_OUTCOME=failed",
        `ORCH_REASON=$(cat ${JSON.stringify(reasonFile)})`,
        "ORCH_BRANCH='feature/task-1-implementation'",
        "ORCH_PR_URL='https://github.com/o/r/pull/1'",
        "orch_write_result 2>/dev/null",
      ].join("\n"),
    );
    const text = readFileSync(resultFile, "utf8");
    expect(Buffer.byteLength(text)).toBeLessThan(4096);
    const result = parseRunResult(text);
    expect(result).toMatchObject({
      outcome: "failed",
      branch: "feature/task-1-implementation",
      pullRequestUrl: "https://github.com/o/r/pull/1",
    });
    expect(result?.reason?.startsWith(`quote " backslash \\ newline\n tab\t bell ünï ✓ xxx`)).toBe(true);
    expect(result).not.toHaveProperty("commit");
  });

  it("gives every spelling of one repository the same key, and other repositories other keys", async () => {
    const dir = makeTempDir("repo-key");
    const urls = [
      "git@github.com:5dlabs/trader.git",
      "git@github.com:5dlabs/trader",
      "ssh://git@github.com/5dlabs/trader.git",
      "ssh://git@GitHub.com:22/5dlabs/Trader",
      "https://github.com/5dlabs/trader",
      "https://github.com/5dlabs/trader.git/",
      "https://x-access-token:secret@github.com/5dlabs/trader.git",
      "git@github.com:5dlabs/trader-ui.git",
      "https://ghe.example.com/5dlabs/trader.git",
      "/srv/git/trader.git",
    ];
    const out = await runLibrary(dir, urls.map((u) => `orch_repo_key ${JSON.stringify(u)}; echo`).join("\n"));
    expect(out.trim().split("\n")).toEqual([
      ...Array(7).fill("github.com/5dlabs/trader"),
      "github.com/5dlabs/trader-ui",
      "ghe.example.com/5dlabs/trader",
      "/srv/git/trader.git",
    ]);
  });
});
