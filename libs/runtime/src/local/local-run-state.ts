import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRunResult, type RunResult } from "@orchestrator/contracts";
import { LOCAL_RUN_FILES } from "./local-paths.js";

/** What a local run's directory says about it. */
export interface LocalRunState {
  /** pending: dispatched but not started; running: the process lives; exited: it ended (or died) */
  status: "pending" | "running" | "exited";
  /** process (group) id of the wrapper */
  pid?: number;
  /** exit code of the agent script; null when the process died without recording one (SIGKILL, reboot) */
  exitCode?: number | null;
  /** signal that stopped the run, if any (`TERM`, `KILL`) */
  signal?: string;
  startedAt?: string;
  finishedAt?: string;
  /** the agent's result file, when it wrote a valid one */
  result?: RunResult;
  /** cancel was called */
  cancelled: boolean;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Whether a process exists and has not exited (EPERM means it exists but belongs to someone else;
 * on Linux a zombie waiting to be reaped counts as exited).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the state follows the parenthesised command name, which may itself contain spaces
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Reads a local run's state from its directory (see {@link localRunDir}); undefined when the run was
 * never dispatched locally. The watcher polls this to follow local runs.
 */
export async function readLocalRunState(dir: string): Promise<LocalRunState | undefined> {
  const [launch, started, exit, cancelled, resultText] = await Promise.all([
    readJson(join(dir, LOCAL_RUN_FILES.launch)),
    readJson(join(dir, LOCAL_RUN_FILES.started)),
    readJson(join(dir, LOCAL_RUN_FILES.exit)),
    readJson(join(dir, LOCAL_RUN_FILES.cancelled)),
    readText(join(dir, LOCAL_RUN_FILES.result)),
  ]);
  if (!launch && !started && !exit) return undefined;
  const state: LocalRunState = { status: "pending", cancelled: cancelled !== undefined };
  const result = parseRunResult(resultText);
  if (result) state.result = result;
  if (started) {
    if (typeof started.pid === "number") state.pid = started.pid;
    if (typeof started.startedAt === "string") state.startedAt = started.startedAt;
  }
  if (exit) return exited(state, exit);
  if (started) {
    if (state.pid !== undefined && isProcessAlive(state.pid)) {
      state.status = "running";
    } else {
      // exit.json was read before the wrapper wrote it, and the wrapper has ended since: read it again
      // before calling the process dead without an exit code
      const late = await readJson(join(dir, LOCAL_RUN_FILES.exit));
      if (late) return exited(state, late);
      state.status = "exited";
      state.exitCode = null;
    }
  }
  return state;
}

function exited(state: LocalRunState, exit: Record<string, unknown>): LocalRunState {
  state.status = "exited";
  state.exitCode = typeof exit.exitCode === "number" ? exit.exitCode : null;
  if (typeof exit.signal === "string" && exit.signal) state.signal = exit.signal;
  if (typeof exit.finishedAt === "string") state.finishedAt = exit.finishedAt;
  return state;
}
