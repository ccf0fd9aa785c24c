import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LOCAL_RUN_FILES } from "@orchestrator/runtime";

/** Writes the files the local runtime's wrapper writes, to play a local run's life in tests. */
export const localRun = {
  async launched(dir: string, runId: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, LOCAL_RUN_FILES.launch),
      JSON.stringify({ runId, launchedAt: new Date().toISOString() }),
    );
  },
  /** started with a live pid (this process) */
  async started(dir: string): Promise<void> {
    await writeFile(
      join(dir, LOCAL_RUN_FILES.started),
      JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }),
    );
  },
  async exited(dir: string, exitCode: number, result?: object, output?: string): Promise<void> {
    if (result) await writeFile(join(dir, LOCAL_RUN_FILES.result), JSON.stringify(result));
    if (output) await writeFile(join(dir, LOCAL_RUN_FILES.output), output);
    await writeFile(
      join(dir, LOCAL_RUN_FILES.exit),
      JSON.stringify({ exitCode, finishedAt: new Date().toISOString() }),
    );
  },
};
