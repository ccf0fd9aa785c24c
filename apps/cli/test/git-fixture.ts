import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface GitFixture {
  /** the working checkout (branch main, pushed) */
  repo: string;
  /** the bare repository pushes go to */
  bare: string;
  home: string;
  /** environment isolating git from the machine's own config */
  env: Record<string, string>;
  git(...args: string[]): string;
  write(path: string, content: string): void;
  cleanup(): void;
}

export const ORIGIN_URL = "git@github.com:acme/trader.git";

export const TASKS_JSON = JSON.stringify(
  { master: { tasks: [{ id: 1, title: "Set up the trader service" }] } },
  null,
  2,
);

/**
 * A checkout whose origin is a GitHub SSH URL (what detection reports) while pushes go to a local bare
 * repository (remote.origin.pushurl), with `_projects/trader/.taskmaster/tasks/tasks.json` committed and
 * pushed. HOME and GIT_CONFIG_GLOBAL point into the fixture, so the machine's git config is never read.
 */
export function createGitFixture(options: { userName?: string; githubUser?: string } = {}): GitFixture {
  const root = mkdtempSync(join(tmpdir(), "orchestrator-cli-git-"));
  const home = join(root, "home");
  const repo = join(root, "work");
  const bare = join(root, "remote.git");
  mkdirSync(home);
  mkdirSync(repo);
  const globalConfig = join(home, ".gitconfig");
  const lines = ["[init]", "\tdefaultBranch = main", "[user]", `\temail = dev@example.com`];
  if (options.userName !== undefined) lines.push(`\tname = ${options.userName}`);
  if (options.githubUser !== undefined) lines.push("[github]", `\tuser = ${options.githubUser}`);
  writeFileSync(globalConfig, `${lines.join("\n")}\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: "1",
    // commits need an author even when the fixture has no user.name
    GIT_AUTHOR_NAME: "Fixture",
    GIT_COMMITTER_NAME: "Fixture",
  };
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  };
  execFileSync("git", ["init", "--bare", "-q", bare], { env });
  git("init", "-q", "-b", "main");
  git("remote", "add", "origin", ORIGIN_URL);
  git("remote", "set-url", "--push", "origin", bare);
  write("README.md", "# trader\n");
  write("_projects/trader/.taskmaster/tasks/tasks.json", TASKS_JSON);
  git("add", ".");
  git("commit", "-q", "-m", "initial");
  git("push", "-q", "-u", "origin", "main");
  return { repo, bare, home, env, git, write, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
