import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CheckFailedError } from "./check-failed-error.js";
import { type Env, git } from "./git-detect.js";

export interface TaskmasterCheckInput {
  /** repository root */
  root: string;
  /** working directory relative to the root ("." = root) */
  workingDirectory: string;
  /** the branch the remote job will clone */
  sourceBranch: string;
  /** the branch checked out locally, if any */
  currentBranch?: string | undefined;
  env: Env;
}

export interface TaskmasterCheckResult {
  tasksFile: string;
  taskCount: number;
  /** the remote-tracking ref `.taskmaster/` was compared with */
  comparedWith: string;
}

/**
 * Before a docs run is sent: the agent clones `sourceBranch` and reads `<dir>/.taskmaster/tasks/tasks.json`
 * from it, so that file must exist and parse here, and `<dir>/.taskmaster/` must be committed and
 * pushed. Nothing is committed or pushed for the user (the original CLI did, and pushed before it had
 * finished writing, so the job never saw the newest files); instead the message says what to run.
 */
export function checkTaskmaster(input: TaskmasterCheckInput): TaskmasterCheckResult {
  const { root, workingDirectory, env } = input;
  const dir = workingDirectory === "." ? "" : workingDirectory;
  const taskmasterRel = dir ? `${dir}/.taskmaster` : ".taskmaster";
  const tasksRel = `${taskmasterRel}/tasks/tasks.json`;
  const taskmasterAbs = join(root, taskmasterRel);
  if (!existsSync(taskmasterAbs) || !statSync(taskmasterAbs).isDirectory()) {
    throw new CheckFailedError(
      `no .taskmaster directory in working directory "${workingDirectory}" (looked for ${taskmasterAbs}).\n` +
        "Run the docs command from the Task Master project (or pass --working-directory <dir relative to the repository root>),\n" +
        "or create the tasks first: task-master init && task-master parse-prd <prd.txt>",
    );
  }
  const tasksAbs = join(root, tasksRel);
  if (!existsSync(tasksAbs)) {
    throw new CheckFailedError(
      `${tasksRel} does not exist (looked for ${tasksAbs}).\nGenerate it first, e.g. task-master parse-prd <prd.txt>`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(tasksAbs, "utf8"));
  } catch (err) {
    throw new CheckFailedError(
      `${tasksRel} is not valid JSON: ${(err as Error).message}\nFix the file and push it.`,
    );
  }
  const taskCount = countTasks(parsed);
  if (taskCount === undefined) {
    throw new CheckFailedError(
      `${tasksRel} has no task list (expected {"tasks": […]} or {"<tag>": {"tasks": […]}}, as Task Master writes it)`,
    );
  }
  if (taskCount === 0)
    throw new CheckFailedError(`${tasksRel} lists no tasks; there is nothing to document yet`);

  const pushHint = (what: string) =>
    `git add ${shellWord(taskmasterRel)} && git commit -m "Update Task Master tasks" && ${what}`;
  const status = git(["status", "--porcelain", "--untracked-files=all", "--", taskmasterRel], root, env);
  if (!status.ok) throw new CheckFailedError(`git status failed in ${root}: ${status.stderr}`);
  if (status.stdout) {
    const files = status.stdout.split("\n");
    const shown = files.slice(0, 10).map((l) => `  ${l}`);
    if (files.length > 10) shown.push(`  … and ${files.length - 10} more`);
    throw new CheckFailedError(
      `${taskmasterRel} has changes that are not committed, so the docs job would not see them:\n${shown.join("\n")}\n` +
        `Commit and push them first:\n  ${pushHint(`git push`)}`,
    );
  }

  const onSourceBranch = input.currentBranch === input.sourceBranch;
  let remoteRef: string;
  if (onSourceBranch) {
    const upstream = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"], root, env);
    if (!upstream.ok || !upstream.stdout) {
      throw new CheckFailedError(
        `branch "${input.sourceBranch}" has no upstream, so the docs job cannot clone it.\n` +
          `Push it first:\n  git push -u origin ${shellWord(input.sourceBranch)}`,
      );
    }
    remoteRef = upstream.stdout;
  } else {
    remoteRef = `origin/${input.sourceBranch}`;
    const exists = git(["rev-parse", "--verify", "--quiet", `refs/remotes/${remoteRef}`], root, env);
    if (!exists.ok) {
      throw new CheckFailedError(
        `--source-branch "${input.sourceBranch}" is not on origin (no ${remoteRef}); the docs job clones that branch.\n` +
          `Push it (git push -u origin ${shellWord(input.sourceBranch)}) or run git fetch if it was pushed from elsewhere.`,
      );
    }
  }
  const diff = git(["diff", "--quiet", remoteRef, "HEAD", "--", taskmasterRel], root, env);
  if (diff.status === 1) {
    const ahead = onSourceBranch
      ? git(["rev-list", "--count", `${remoteRef}..HEAD`, "--", taskmasterRel], root, env)
      : undefined;
    if (ahead?.ok && Number(ahead.stdout) > 0) {
      throw new CheckFailedError(
        `${taskmasterRel} has ${ahead.stdout} commit(s) not pushed to ${remoteRef}, so the docs job would not see them.\n` +
          `Push them first:\n  git push`,
      );
    }
    throw new CheckFailedError(
      `${taskmasterRel} here differs from ${remoteRef}, the branch the docs job clones.\n` +
        (onSourceBranch
          ? "Bring them in line first:\n  git pull --rebase && git push"
          : `Check out ${input.sourceBranch} or push your ${taskmasterRel} to it.`),
    );
  }
  if (!diff.ok) throw new CheckFailedError(`git diff against ${remoteRef} failed: ${diff.stderr}`);
  return { tasksFile: tasksRel, taskCount, comparedWith: remoteRef };
}

/** Task Master writes `{tasks: [...]}` (old) or `{<tag>: {tasks: [...]}}` (tagged, e.g. "master"). */
function countTasks(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.tasks)) return record.tasks.length;
  let total: number | undefined;
  for (const tag of Object.values(record)) {
    if (typeof tag === "object" && tag !== null && Array.isArray((tag as { tasks?: unknown }).tasks)) {
      total = (total ?? 0) + (tag as { tasks: unknown[] }).tasks.length;
    }
  }
  return total;
}

/** Quotes a word for a command line shown to the user (paths come from the user and may hold spaces). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./@:-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
