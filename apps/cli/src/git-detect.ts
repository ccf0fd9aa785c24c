import { spawnSync } from "node:child_process";
import { GITHUB_USER_RE } from "@orchestrator/contracts";

export interface GitResult {
  ok: boolean;
  /** trimmed stdout */
  stdout: string;
  stderr: string;
  status: number | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Runs git without a shell (arguments are never interpreted), never prompting for credentials. */
export function git(args: readonly string[], cwd: string, env: Env): GitResult {
  const result = spawnSync("git", args, {
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: "0" } as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  return {
    ok: !result.error && result.status === 0,
    stdout: (result.stdout ?? "").trim(),
    stderr: (result.stderr ?? "").trim(),
    status: result.status,
  };
}

/** What the local checkout tells us about a run the user asks for from inside it. */
export interface GitContext {
  /** absolute path of the repository root */
  root: string;
  /** current directory relative to the root; "." at the root */
  relativeDir: string;
  /** `remote.origin.url`, with any credentials removed */
  originUrl?: string;
  /** current branch; undefined on a detached HEAD */
  branch?: string;
  /** GitHub login and where it came from */
  user?: { login: string; from: string };
  /** `git config user.name` when it is a display name, not a login (so not used as one) */
  ignoredUserName?: string;
}

/** Reads the checkout around `cwd`; undefined outside a git work tree (or without git). */
export function detectGit(cwd: string, env: Env): GitContext | undefined {
  const top = git(["rev-parse", "--show-toplevel"], cwd, env);
  if (!top.ok || !top.stdout) return undefined;
  // --show-prefix is relative to the root as git sees it, which avoids symlink mismatches (/tmp vs /private/tmp)
  const prefix = git(["rev-parse", "--show-prefix"], cwd, env).stdout.replace(/\/+$/, "");
  const context: GitContext = { root: top.stdout, relativeDir: prefix || "." };
  // the configured URL, not `git remote get-url`: that one expands insteadOf rewrites into local mirrors
  const origin = git(["config", "--get", "remote.origin.url"], cwd, env);
  if (origin.ok && origin.stdout) context.originUrl = stripCredentials(origin.stdout);
  const branch = git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd, env);
  if (branch.ok && branch.stdout) context.branch = branch.stdout;
  const user = detectGithubUser(cwd, env);
  if (user && "login" in user) context.user = user;
  else if (user) context.ignoredUserName = user.ignoredName;
  return context;
}

/**
 * `git config github.user` (the hub/gh convention), else `git config user.name` when it already is a valid
 * GitHub login (no spaces). A display name such as "Jane Doe" is never turned into a guessed login: without
 * a login the caller asks for --github-user, naming the display name it ignored.
 */
export function detectGithubUser(
  cwd: string,
  env: Env,
): { login: string; from: string } | { ignoredName: string } | undefined {
  const explicit = git(["config", "--get", "github.user"], cwd, env);
  if (explicit.ok && GITHUB_USER_RE.test(explicit.stdout))
    return { login: explicit.stdout, from: "git config github.user" };
  const name = git(["config", "--get", "user.name"], cwd, env);
  if (!name.ok || !name.stdout) return undefined;
  if (GITHUB_USER_RE.test(name.stdout)) return { login: name.stdout, from: "git config user.name" };
  return { ignoredName: name.stdout };
}

/** `https://user:token@host/…` → `https://host/…`: a credential must never travel in a run request. */
export function stripCredentials(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]+@/, "$1");
}
