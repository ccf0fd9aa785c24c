import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { CliIo } from "./cli-io.js";
import { runCli } from "./program.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOME: "/nonexistent", ORCHESTRATOR_API_URL: "http://127.0.0.1:1" },
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
