import { spawn } from "node:child_process";
import { mkdir, open, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  isTerminalPhase,
  type RenderedFiles,
  type RunRecord,
  type RunRequest,
} from "@orchestrator/contracts";
import type { Logger } from "pino";
import { sleep } from "../abortable-sleep.js";
import { LogsUnavailableError } from "../logs-unavailable-error.js";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import type { RunTokenMinter } from "../run-token.js";
import type { AgentState, DispatchResult, LogOptions, Runtime } from "../runtime.js";
import { removeKeyMaterial, sweepKeyMaterial } from "./key-material.js";
import { LaunchInProgressError } from "./launch-in-progress-error.js";
import { localAgentEnvironment } from "./local-environment.js";
import { LOCAL_RUN_FILES, localRunDir, localWorkspaceDir } from "./local-paths.js";
import { localPreflight } from "./local-preflight.js";
import { isProcessAlive, readLocalRunState } from "./local-run-state.js";
import { refreshLocalRunTokens, usesLocalAppToken, writeLocalRunToken } from "./local-run-token.js";
import { claimLocalWorkspace } from "./local-workspace-owner.js";
import { tailFile } from "./tail-file.js";
import { WRAPPER_SCRIPT } from "./wrapper-script.js";

export interface LocalRuntimeOptions {
  /** root of run directories and service workspaces (DATA_DIR), absolute */
  dataDir: string;
  /** PATH of the agent process (the user's, so `claude`, `git` and `gh` resolve as in their shell) */
  path: string;
  /** passed to the agent when set */
  anthropicApiKey?: string | undefined;
  /** file holding a GitHub token (LOCAL_GITHUB_TOKEN_FILE) */
  githubTokenFile?: string | undefined;
  /** GitHub App mode: each run gets its own installation token in its TMPDIR instead */
  githubApp?: RunTokenMinter | undefined;
  /** directory with `ssh-privatekey` (LOCAL_SSH_KEY_DIR) */
  sshKeyDir?: string | undefined;
  /** extra variables for every run (LANG, TZ, …) */
  baseEnv?: Readonly<Record<string, string>>;
  /** the developer's variables passed on (LOCAL_AGENT_ENV, see pickAgentEnv) */
  agentEnv?: Readonly<Record<string, string>>;
  /** check tools and credentials before a run is accepted and dispatched (LOCAL_PREFLIGHT). @defaultValue false */
  preflight?: boolean;
  /** the developer's HOME, where a `claude login` is looked for */
  home?: string | undefined;
  log: Logger;
  /** how long cancel waits after SIGTERM before SIGKILL. @defaultValue 10000 */
  killGraceMs?: number;
  /** how long dispatch waits for the process to report that it started. @defaultValue 10000 */
  startTimeoutMs?: number;
  /** a launch lock older than this is left over from a crashed dispatcher. @defaultValue 60000 */
  staleLockMs?: number;
  /** @defaultValue "bash" */
  shell?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, content: string, mode?: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, mode === undefined ? undefined : { mode });
  await rename(tmp, path);
}

/**
 * Runs agents as local processes, for development and single-machine installs without a cluster.
 * Each run gets a directory under the data dir with its rendered files, workspace, HOME, result and
 * log; the rendered `container.sh` runs detached (it outlives the dispatcher) under a wrapper that
 * records its start and exit. The same environment contract as in a pod (ORCH_*) points into it.
 */
export class LocalRuntime implements Runtime {
  readonly kind = "local" as const;
  constructor(private readonly options: LocalRuntimeOptions) {}

  /** Directory of a run (what the watcher passes to {@link readLocalRunState}). */
  runDir(runId: string): string {
    return localRunDir(this.options.dataDir, runId);
  }

  async dispatch(run: RunRecord, files: RenderedFiles): Promise<DispatchResult> {
    const dir = this.runDir(run.id);
    const result: DispatchResult = { links: { localDir: dir } };
    if ((await exists(join(dir, LOCAL_RUN_FILES.started))) || (await exists(join(dir, LOCAL_RUN_FILES.exit))))
      return result;
    if (await exists(join(dir, LOCAL_RUN_FILES.cancelled))) return result;
    if (!files["container.sh"]) throw new Error(`run ${run.id} has no rendered container.sh`);
    const problems = await this.preflight(run.request);
    if (problems.length > 0) throw new PermanentDispatchError("missing-secret", problems.join("; "));
    await mkdir(dir, { recursive: true });
    const lock = await this.acquireLock(dir);
    try {
      // a dispatch that crashed after starting the process left started.json behind
      if (await exists(join(dir, LOCAL_RUN_FILES.started))) return result;
      await this.launch(run, dir, files);
      return result;
    } finally {
      await lock.close();
    }
  }

  async inspect(run: Pick<RunRecord, "id">): Promise<AgentState> {
    const dir = this.runDir(run.id);
    const state = await readLocalRunState(dir);
    const links = { localDir: dir };
    if (!state) return { state: "absent" };
    if (state.status !== "exited") return { state: "running", links };
    const finishedAt = state.finishedAt ? { finishedAt: state.finishedAt } : {};
    return state.exitCode === 0
      ? { state: "succeeded", links, ...finishedAt }
      : {
          state: "failed",
          links,
          reason: `exited with ${state.exitCode ?? `signal ${state.signal ?? "?"}`}`,
          ...finishedAt,
        };
  }

  async cancel(run: RunRecord): Promise<void> {
    const dir = this.runDir(run.id);
    await mkdir(dir, { recursive: true });
    await writeAtomic(
      join(dir, LOCAL_RUN_FILES.cancelled),
      `${JSON.stringify({ at: new Date().toISOString() })}\n`,
    );
    const state = await readLocalRunState(dir);
    if (state?.status !== "running" || state.pid === undefined) return;
    const pid = state.pid;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        // the wrapper leads its own process group: this reaches the agent and everything it started
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    signalGroup("SIGTERM");
    const deadline = Date.now() + (this.options.killGraceMs ?? 10_000);
    while (Date.now() < deadline) {
      if (!isProcessAlive(pid)) return;
      await sleep(100);
    }
    signalGroup("SIGKILL");
    this.options.log.warn({ runId: run.id, pid }, "agent ignored SIGTERM; killed it");
    for (let i = 0; i < 50 && isProcessAlive(pid); i++) await sleep(100);
    // the wrapper was killed before its own clean-up
    await removeKeyMaterial(dir);
    if (!(await exists(join(dir, LOCAL_RUN_FILES.exit)))) {
      await writeAtomic(
        join(dir, LOCAL_RUN_FILES.exit),
        `${JSON.stringify({ exitCode: 137, signal: "KILL", finishedAt: new Date().toISOString() })}\n`,
      );
    }
  }

  async *logs(run: RunRecord, options: LogOptions): AsyncIterable<string | Uint8Array> {
    const dir = run.links.localDir ?? this.runDir(run.id);
    if (!(await exists(dir)))
      throw new LogsUnavailableError(run.id, `run ${run.id} has no local run directory (yet)`);
    yield* tailFile(join(dir, LOCAL_RUN_FILES.output), {
      follow: options.follow,
      tailLines: options.tailLines,
      signal: options.signal,
      finished: async () => {
        const state = await readLocalRunState(dir);
        // nothing more will be written: it ended, never started, or the run is over anyway
        return state?.status === "exited" || state === undefined || isTerminalPhase(run.phase);
      },
    });
  }

  /**
   * What would make a local run of `request` fail before it does anything (tools, git and Claude
   * credentials), each naming its fix; empty when preflight is off or all is well.
   */
  async preflight(request: RunRequest): Promise<string[]> {
    if (!this.options.preflight) return [];
    const o = this.options;
    return localPreflight(request, {
      path: o.path,
      sshKeyDir: o.sshKeyDir,
      githubTokenFile: o.githubTokenFile,
      appToken: usesLocalAppToken(request, o.githubApp),
      anthropicApiKey: o.anthropicApiKey,
      agentEnv: o.agentEnv ?? {},
      home: o.home,
    });
  }

  /** GitHub App mode: replaces the token files of long runs before their hour is up. */
  async refreshGithubTokens(runs: RunRecord[]): Promise<number> {
    const minter = this.options.githubApp;
    if (!minter) return 0;
    const tmpOf = (run: RunRecord) => join(run.links.localDir ?? this.runDir(run.id), LOCAL_RUN_FILES.tmp);
    return refreshLocalRunTokens(runs, tmpOf, minter, this.options.log);
  }

  /** Removes key material left by runs that ended while no dispatcher was watching (start-up). */
  async sweep(): Promise<number> {
    return sweepKeyMaterial(this.options.dataDir);
  }

  /** Exclusive right to start the run's process; a lock left by a crashed dispatcher expires. */
  private async acquireLock(dir: string): Promise<{ close(): Promise<void> }> {
    const path = join(dir, LOCAL_RUN_FILES.lock);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, "wx");
        await handle.writeFile(`${process.pid}\n`);
        return {
          close: async () => {
            await handle.close();
            await unlink(path).catch(() => {});
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const age =
          Date.now() -
          (await stat(path).then(
            (s) => s.mtimeMs,
            () => Date.now(),
          ));
        if (age < (this.options.staleLockMs ?? 60_000)) {
          throw new LaunchInProgressError(`run directory ${dir} is being launched by another dispatch`);
        }
        await unlink(path).catch(() => {});
      }
    }
    throw new LaunchInProgressError(`could not lock run directory ${dir}`);
  }

  private async launch(run: RunRecord, dir: string, files: RenderedFiles): Promise<void> {
    const configDir = join(dir, LOCAL_RUN_FILES.config);
    const workspaceDir = localWorkspaceDir(this.options.dataDir, run);
    const homeDir = join(dir, LOCAL_RUN_FILES.home);
    await rm(configDir, { recursive: true, force: true });
    await mkdir(configDir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(configDir, name), content, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    }
    if (run.request.kind === "code")
      await claimLocalWorkspace(this.options.dataDir, run, run.request.service);
    await mkdir(workspaceDir, { recursive: true });
    await mkdir(homeDir, { recursive: true });
    const tmpDir = join(dir, LOCAL_RUN_FILES.tmp);
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, LOCAL_RUN_FILES.wrapper), WRAPPER_SCRIPT, { mode: 0o755 });
    await writeAtomic(
      join(dir, LOCAL_RUN_FILES.launch),
      `${JSON.stringify({ runId: run.id, kind: run.kind, workspaceDir, launchedAt: new Date().toISOString() })}\n`,
    );

    const appToken = await writeLocalRunToken(run, tmpDir, this.options.githubApp);
    const env = localAgentEnvironment(
      run,
      { ...this.options, githubTokenFile: appToken ?? this.options.githubTokenFile },
      { configDir, workspaceDir, homeDir, tmpDir, resultFile: join(dir, LOCAL_RUN_FILES.result) },
      this.options.log,
    );
    // -p: no BASH_ENV/ENV start-up files and no functions or SHELLOPTS imported from the environment
    const child = spawn(this.options.shell ?? "bash", ["-p", join(dir, LOCAL_RUN_FILES.wrapper), dir], {
      cwd: dir,
      env,
      // own process group, no terminal and no pipes: the run outlives this process
      detached: true,
      stdio: "ignore",
    });
    let spawnError: Error | undefined;
    let exitedEarly = false;
    child.once("error", (err) => {
      spawnError = err;
    });
    child.once("exit", () => {
      exitedEarly = true;
    });
    child.unref();
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    while (!(await exists(join(dir, LOCAL_RUN_FILES.started)))) {
      if (spawnError)
        throw new Error(`could not start the agent for run ${run.id}: ${spawnError.message}`, {
          cause: spawnError,
        });
      if (exitedEarly || Date.now() > deadline) {
        throw new Error(
          `the agent process of run ${run.id} did not start (see ${join(dir, LOCAL_RUN_FILES.output)})`,
        );
      }
      await sleep(20);
    }
    this.options.log.info({ runId: run.id, pid: child.pid, dir }, "started local agent process");
  }
}
