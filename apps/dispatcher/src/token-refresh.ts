import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import type { Runtime } from "@orchestrator/runtime";
import type { Logger } from "pino";

export interface TokenRefreshOptions {
  runtime: Pick<Runtime, "refreshGithubTokens">;
  runStore: Pick<RunStore, "get">;
  /** run ids holding a concurrency slot: the runs whose agents may still push */
  active: () => Promise<Iterable<string>>;
  log: Logger;
}

/**
 * GitHub App mode: installation tokens live one hour, so the tokens of runs still under way are
 * replaced before they expire (the runtime decides which are due). Returns how many were refreshed.
 */
export async function refreshActiveRunTokens(options: TokenRefreshOptions): Promise<number> {
  if (!options.runtime.refreshGithubTokens) return 0;
  const runs: RunRecord[] = [];
  for (const id of await options.active()) {
    const run = await options.runStore.get(id);
    if (run && !isTerminalPhase(run.phase)) runs.push(run);
  }
  if (runs.length === 0) return 0;
  const refreshed = await options.runtime.refreshGithubTokens(runs);
  if (refreshed > 0) options.log.info({ refreshed }, "refreshed GitHub App tokens of running agents");
  return refreshed;
}
