import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CliContext } from "./cli-context.js";
import type { CliIo } from "./cli-io.js";
import { buildProgram, runCli } from "./program.js";

async function run(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOME: "/nonexistent", ORCHESTRATOR_API_URL: "http://127.0.0.1:1", ...extraEnv },
    cwd: "/",
    isTTY: false,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe("the command tree", () => {
  it("shows examples, lookup order and exit codes in --help", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("orchestrator task docs --working-directory _projects/trader --model opus");
    expect(stdout).toContain(
      "orchestrator task code 1 --service trader --repo git@github.com:5dlabs/platform.git --github-user swe-1-5dlabs",
    );
    expect(stdout).toContain("ORCHESTRATOR_TOKEN");
    expect(stdout).toContain("Exit codes:");
    const code1 = await run(["task", "code", "--help"]);
    expect(code1.stdout).toContain("--env-from-secret <NAME:SECRET:KEY>");
    expect(code1.stdout).toContain("--platform-repository-url <url>");
  });

  it("ends every command's --help with examples of that command", async () => {
    const silent: CliIo = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      cwd: "/",
      isTTY: false,
    };
    const paths: string[][] = [];
    const walk = (command: Command, path: string[]) => {
      paths.push(path);
      for (const sub of command.commands) walk(sub, [...path, sub.name()]);
    };
    walk(buildProgram(new CliContext(silent)), []);
    // every command the README lists, so a command dropped from the tree fails here too
    expect(paths.map((p) => p.join(" "))).toEqual(
      expect.arrayContaining([
        "task docs",
        "task code",
        "runs",
        "runs list",
        "runs get",
        "runs logs",
        "runs cancel",
        "runs retry",
        "runs watch",
        "render",
        "render docs",
        "render code",
        "mcp",
        "config",
        "completion",
      ]),
    );
    for (const path of paths) {
      const { code, stdout } = await run([...path, "--help"]);
      expect(code, path.join(" ")).toBe(0);
      const examples = stdout.split("\nExamples:\n")[1];
      expect(examples, `orchestrator ${path.join(" ")} --help has no Examples: section`).toBeDefined();
      expect(examples, path.join(" ")).toMatch(/^ {2}\$ /);
      expect(examples, path.join(" ")).toContain(["orchestrator", ...path].join(" "));
    }
  });

  it("config shows the dev token found in $DATA_DIR/api-token of a local npm start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "orchestrator-cli-data-"));
    try {
      writeFileSync(join(dataDir, "api-token"), "dev-token\n");
      const { code, stdout } = await run(["config"], { DATA_DIR: dataDir });
      expect(code).toBe(0);
      expect(stdout).toContain(`Token:       set (from ${join(dataDir, "api-token")})`);
      const remote = await run(["config"], {
        DATA_DIR: dataDir,
        ORCHESTRATOR_API_URL: "https://orchestrator.example.com",
      });
      expect(remote.stdout).toContain("Token:       none");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each(["bash", "zsh"])(
    "prints a %s completion script that the shell accepts and that knows the flags",
    async (shell) => {
      const { code, stdout } = await run(["completion", shell]);
      expect(code).toBe(0);
      expect(stdout).toContain("complete -F _orchestrator orchestrator");
      expect(stdout).toContain('--tool-config) COMPREPLY=($(compgen -W "minimal default advanced"');
      expect(stdout).toMatch(/"task code"\) echo "[^"]*--platform-branch/);
      const syntax = spawnSync("bash", ["-n"], { input: stdout });
      expect(syntax.status).toBe(0);
    },
  );

  it("completes subcommands and flags in bash", async () => {
    const { stdout } = await run(["completion", "bash"]);
    const probe = `${stdout}
COMP_WORDS=(orchestrator task co); COMP_CWORD=2; _orchestrator; echo "\${COMPREPLY[@]}"
COMP_WORDS=(orchestrator task code 1 --tool); COMP_CWORD=4; _orchestrator; echo "\${COMPREPLY[@]}"
COMP_WORDS=(orchestrator runs list --phase ""); COMP_CWORD=4; _orchestrator; echo "\${COMPREPLY[@]}"`;
    const result = spawnSync("bash", ["-c", probe], { encoding: "utf8" });
    expect(result.stdout.split("\n").slice(0, 3)).toEqual([
      "code",
      "--tool-config",
      "Queued Rendering Dispatched Pending Running Succeeded Failed Cancelled",
    ]);
  });

  it("rejects an unknown output format naming the flag", async () => {
    const { code, stderr } = await run(["-o", "yaml", "runs", "list"]);
    expect(code).toBe(2);
    expect(stderr).toContain("option '-o, --output <format>' argument 'yaml' is invalid");
  });
});
