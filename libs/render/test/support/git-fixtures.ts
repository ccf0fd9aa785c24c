import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A git environment that ignores the machine's and the user's configuration. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: "C.UTF-8",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    GIT_AUTHOR_NAME: "Fixture",
    GIT_AUTHOR_EMAIL: "fixture@example.com",
    GIT_COMMITTER_NAME: "Fixture",
    GIT_COMMITTER_EMAIL: "fixture@example.com",
  };
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

const tempDirs: string[] = [];

/** A fresh directory under the system temp dir, removed by {@link removeTempDirs} after the test file. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `orch-render-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A bare repository at `<root>/remotes/<name>.git` whose `branch` holds `files`; returns its file:// URL.
 */
export function createRemote(
  root: string,
  name: string,
  files: Record<string, string>,
  env: NodeJS.ProcessEnv,
  branch = "main",
): { url: string; bare: string } {
  const bare = join(root, "remotes", `${name}.git`);
  const work = join(root, "seed", name);
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  git(bare, ["init", "--quiet", "--bare", "--initial-branch", branch], env);
  git(work, ["init", "--quiet", "--initial-branch", branch], env);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  git(work, ["add", "-A"], env);
  git(work, ["commit", "--quiet", "-m", "initial"], env);
  git(work, ["push", "--quiet", bare, `HEAD:refs/heads/${branch}`], env);
  return { url: `file://${bare}`, bare };
}

/** Branch → commit of a bare repository. */
export function remoteBranches(bare: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out = git(bare, ["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"], env);
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ") as [string, string]),
  );
}
