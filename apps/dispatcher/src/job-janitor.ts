import { isTerminalPhase } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import type { Runtime } from "@orchestrator/runtime";
import type { Logger } from "pino";

export interface JobJanitorOptions {
  runtime: Pick<Runtime, "finishedAgents">;
  runStore: Pick<RunStore, "get">;
  /** how long a finished Job is kept after it ended (JOB_TTL_SECONDS), ms */
  ttlMs: number;
  log: Logger;
  now?: () => number;
}

/**
 * Deletes finished agent Jobs `ttlMs` after they ended, but only once their run is final in the run
 * store (or the run record is gone). Agent Jobs carry no `ttlSecondsAfterFinished`: a Job the
 * dispatcher created must stay findable until its outcome is recorded, whatever crashed meanwhile,
 * so a repeated dispatch adopts it instead of running the agent a second time.
 * Returns the run ids whose Jobs were removed.
 */
export async function sweepFinishedJobs(options: JobJanitorOptions): Promise<string[]> {
  const finished = (await options.runtime.finishedAgents?.()) ?? [];
  const now = options.now?.() ?? Date.now();
  const removed: string[] = [];
  for (const agent of finished) {
    if (now - Date.parse(agent.finishedAt) < options.ttlMs) continue;
    const run = await options.runStore.get(agent.runId);
    if (run && !isTerminalPhase(run.phase)) continue; // the watcher has not recorded it yet: keep it
    await agent.remove();
    removed.push(agent.runId);
    options.log.info(
      { runId: agent.runId, job: agent.name, namespace: agent.namespace, phase: run?.phase },
      "deleted a finished agent Job after JOB_TTL_SECONDS",
    );
  }
  return removed;
}
