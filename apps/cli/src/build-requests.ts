import { existsSync } from "node:fs";
import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import type { CreateCodeRunBody, CreateDocsRunBody } from "@orchestrator/client";
import {
  DEFAULT_MODEL_ALIASES,
  type EnvFromSecret,
  type ToolConfig,
  unknownModelProblem,
} from "@orchestrator/contracts";
import type { CliIo } from "./cli-io.js";
import { checkFlags } from "./flag-values.js";
import { detectGit, type GitContext } from "./git-detect.js";
import { shortRepository } from "./output.js";
import { UsageError } from "./usage-error.js";

/** Flags of `task docs` / `render docs`. */
export interface DocsFlags {
  workingDirectory?: string;
  model?: string;
  repositoryUrl?: string;
  repo?: string;
  sourceBranch?: string;
  githubUser?: string;
  allowUnknownModel?: boolean;
}

/** Flags of `task code` / `render code`. */
export interface CodeFlags {
  service: string;
  repositoryUrl?: string;
  repo?: string;
  platformRepositoryUrl?: string;
  platformBranch?: string;
  docsProjectDirectory?: string;
  branch?: string;
  githubUser?: string;
  workingDirectory?: string;
  model?: string;
  toolConfig?: ToolConfig;
  localTools?: string[];
  remoteTools?: string[];
  contextVersion?: number;
  promptModification?: string;
  continueSession?: boolean;
  overwriteMemory?: boolean;
  env?: Record<string, string>;
  envFromSecret?: EnvFromSecret[];
  maxRetries?: number;
  allowUnknownModel?: boolean;
  sessionId?: string;
  /** `task code` only */
  fresh?: boolean;
}

/** `--model` must name a model Claude knows, unless --allow-unknown-model says it is a newer one. */
function modelProblems(flags: { model?: string; allowUnknownModel?: boolean }): string[] {
  if (flags.model === undefined || flags.allowUnknownModel) return [];
  const problem = unknownModelProblem(flags.model, { aliases: DEFAULT_MODEL_ALIASES });
  return problem ? [`--model: ${problem} (a newer model id: add --allow-unknown-model)`] : [];
}

export interface Resolved<T> {
  body: T;
  /** the local checkout, when the command runs inside one */
  git?: GitContext;
  /** what was detected, for the user to see (stderr) */
  notes: string[];
  /** the repository URL came from the checkout's origin (so the checkout is the run's repository) */
  repositoryFromCheckout: boolean;
}

/** Builds the docs request from flags, filling what is missing from the local git checkout. */
export function resolveDocsRequest(flags: DocsFlags, io: CliIo): Resolved<CreateDocsRunBody> {
  const git = detectGit(io.cwd, io.env);
  const notes: string[] = [];
  const problems: string[] = [];
  const repo = pickRepository(flags, git, problems);
  const sourceBranch = flags.sourceBranch ?? git?.branch;
  if (!sourceBranch) {
    problems.push(
      git
        ? "--source-branch is required: HEAD is detached, so the branch to document cannot be detected"
        : "--source-branch is required outside a git checkout (or run the command inside your checkout)",
    );
  }
  const githubUser = pickUser(flags.githubUser, git, notes, problems);
  const workingDirectory = pickWorkingDirectory(flags.workingDirectory, git, io.cwd, problems);
  problems.push(
    ...checkFlags({
      "--source-branch": sourceBranch,
      "--github-user": githubUser,
      "--working-directory": workingDirectory,
      "--model": flags.model,
    }),
    ...modelProblems(flags),
  );
  if (problems.length > 0) throw new UsageError(problems);
  if (repo.detected) notes.push(`repository: ${repo.url} (origin of ${git?.root})`);
  if (!flags.sourceBranch) notes.push(`source branch: ${sourceBranch} (current branch)`);
  if (flags.workingDirectory === undefined && workingDirectory)
    notes.push(`working directory: ${workingDirectory}`);
  const body: CreateDocsRunBody = {
    kind: "docs",
    repositoryUrl: repo.url!,
    sourceBranch: sourceBranch!,
    githubUser: githubUser!,
    ...(workingDirectory !== undefined ? { workingDirectory } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.allowUnknownModel ? { allowUnknownModel: true } : {}),
  };
  return { body, notes, repositoryFromCheckout: repo.detected, ...(git ? { git } : {}) };
}

/** Builds the code request; every optional flag is sent only when given, so the server's defaults apply. */
export function resolveCodeRequest(taskId: number, flags: CodeFlags, io: CliIo): Resolved<CreateCodeRunBody> {
  const git = detectGit(io.cwd, io.env);
  const notes: string[] = [];
  const problems: string[] = [];
  const repo = pickRepository(flags, git, problems);
  const githubUser = pickUser(flags.githubUser, git, notes, problems);
  // the current directory only means something in the destination repository when that is this checkout
  const workingDirectory =
    flags.workingDirectory !== undefined || repo.detected
      ? pickWorkingDirectory(flags.workingDirectory, git, io.cwd, problems)
      : undefined;
  problems.push(
    ...checkFlags({
      "--service": flags.service,
      "--platform-repository-url": flags.platformRepositoryUrl,
      "--platform-branch": flags.platformBranch,
      "--docs-project-directory": flags.docsProjectDirectory && normaliseRelative(flags.docsProjectDirectory),
      "--branch": flags.branch,
      "--github-user": githubUser,
      "--working-directory": workingDirectory,
      "--model": flags.model,
    }),
    ...modelProblems(flags),
  );
  if (flags.fresh && flags.sessionId)
    problems.push("--fresh starts a new session; it cannot be combined with --session-id");
  if (flags.fresh && flags.continueSession)
    problems.push("--fresh starts a new session; it cannot be combined with --continue-session");
  if (problems.length > 0) throw new UsageError(problems);
  if (repo.detected) notes.push(`repository: ${repo.url} (origin of ${git?.root})`);
  if (repo.detected && flags.workingDirectory === undefined)
    notes.push(`working directory: ${workingDirectory}`);
  const body: CreateCodeRunBody = {
    kind: "code",
    taskId,
    service: flags.service,
    repositoryUrl: repo.url!,
    githubUser: githubUser!,
    ...(flags.platformRepositoryUrl !== undefined ? { docsRepositoryUrl: flags.platformRepositoryUrl } : {}),
    ...(flags.platformBranch !== undefined ? { docsBranch: flags.platformBranch } : {}),
    ...(flags.docsProjectDirectory !== undefined
      ? { docsProjectDirectory: normaliseRelative(flags.docsProjectDirectory) }
      : {}),
    ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
    ...(workingDirectory !== undefined ? { workingDirectory } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.toolConfig !== undefined ? { toolConfig: flags.toolConfig } : {}),
    ...(flags.localTools !== undefined ? { localTools: flags.localTools } : {}),
    ...(flags.remoteTools !== undefined ? { remoteTools: flags.remoteTools } : {}),
    ...(flags.contextVersion !== undefined ? { contextVersion: flags.contextVersion } : {}),
    ...(flags.promptModification !== undefined ? { promptModification: flags.promptModification } : {}),
    ...(flags.continueSession ? { continueSession: true } : {}),
    ...(flags.overwriteMemory ? { overwriteMemory: true } : {}),
    ...(flags.env && Object.keys(flags.env).length > 0 ? { env: flags.env } : {}),
    ...(flags.envFromSecret && flags.envFromSecret.length > 0 ? { envFromSecrets: flags.envFromSecret } : {}),
    ...(flags.maxRetries !== undefined ? { maxRetries: flags.maxRetries } : {}),
    ...(flags.sessionId !== undefined ? { sessionId: flags.sessionId } : {}),
    ...(flags.fresh ? { fresh: true } : {}),
    ...(flags.allowUnknownModel ? { allowUnknownModel: true } : {}),
  };
  return { body, notes, repositoryFromCheckout: repo.detected, ...(git ? { git } : {}) };
}

/** True when a URL names the same repository as the checkout's origin (ssh and https forms compare equal). */
export function sameRepository(a: string, b: string): boolean {
  const key = (url: string) => {
    const host =
      /^git@([^:]+):/.exec(url)?.[1] ?? /^(?:ssh|https):\/\/(?:[^@/]+@)?([^/:]+)/.exec(url)?.[1] ?? "";
    return `${host.toLowerCase()}/${shortRepository(url).toLowerCase()}`;
  };
  return key(a) === key(b);
}

function pickRepository(
  flags: { repositoryUrl?: string; repo?: string },
  git: GitContext | undefined,
  problems: string[],
): { url?: string; detected: boolean } {
  if (flags.repositoryUrl !== undefined && flags.repo !== undefined && flags.repositoryUrl !== flags.repo) {
    problems.push("--repo and --repository-url are the same flag; give only one");
  }
  const given = flags.repositoryUrl ?? flags.repo;
  if (given !== undefined) {
    const flag = flags.repositoryUrl !== undefined ? "--repository-url" : "--repo";
    problems.push(
      ...checkFlags({ "--repository-url": given }).map((p) => p.replace("--repository-url", flag)),
    );
    return { url: given, detected: false };
  }
  if (!git) {
    problems.push(
      "--repository-url is required outside a git checkout (or run the command inside your checkout to use its origin)",
    );
    return { detected: false };
  }
  if (!git.originUrl) {
    problems.push(`--repository-url is required: the checkout at ${git.root} has no "origin" remote`);
    return { detected: false };
  }
  const invalid = checkFlags({ "--repository-url": git.originUrl });
  if (invalid.length > 0) {
    problems.push(
      `the origin remote URL ${JSON.stringify(git.originUrl)} is not one a run can clone ` +
        "(git@host:org/repo(.git), ssh://git@host/org/repo or https://host/org/repo(.git)); pass --repository-url",
    );
    return { detected: false };
  }
  return { url: git.originUrl, detected: true };
}

function pickUser(
  flag: string | undefined,
  git: GitContext | undefined,
  notes: string[],
  problems: string[],
): string | undefined {
  if (flag !== undefined) return flag;
  if (git?.user) {
    notes.push(`GitHub user: ${git.user.login} (from ${git.user.from}; pass --github-user to change)`);
    return git.user.login;
  }
  const why = git?.ignoredUserName
    ? `git config user.name ${JSON.stringify(git.ignoredUserName)} is not a GitHub login`
    : "it could not be detected";
  problems.push(
    `--github-user is required: ${why}; pass --github-user <login> or set it once with \`git config --global github.user <login>\``,
  );
  return undefined;
}

/**
 * `--working-directory` is relative to the repository root (that is what the agent sees). A path
 * that only exists relative to the current directory, or an absolute path inside the checkout, is
 * turned into the root-relative form. Without the flag: the current directory ("." at the root).
 */
function pickWorkingDirectory(
  flag: string | undefined,
  git: GitContext | undefined,
  cwd: string,
  problems: string[],
): string | undefined {
  if (flag === undefined) return git?.relativeDir;
  if (!git) return normaliseRelative(flag);
  const fromRoot = resolve(git.root, flag);
  const fromCwd = resolve(cwd, flag);
  let absolute = fromRoot;
  if (isAbsolute(flag)) absolute = flag;
  else if (!existsSync(fromRoot) && existsSync(fromCwd)) absolute = fromCwd;
  const rel = relative(git.root, absolute);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    problems.push(`--working-directory ${JSON.stringify(flag)} is outside the repository at ${git.root}`);
    return undefined;
  }
  return normaliseRelative(rel.split(sep).join("/") || ".");
}

function normaliseRelative(path: string): string {
  const normalised = posix.normalize(path.replace(/\\/g, "/")).replace(/\/+$/, "");
  return normalised === "" ? "." : normalised;
}
