import { join } from "node:path";
import { canTransition, isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { RunPatch, RunStore } from "@orchestrator/run-store";
import { LOCAL_RUN_FILES, localRunDir, readLocalRunState, tailFile } from "@orchestrator/runtime";
import type { Logger } from "pino";
import { KeyedScheduler } from "../keyed-scheduler.js";
import { logTailOf } from "../logs/log-tail.js";
import { observeLocalRun } from "./observe-local-run.js";

export interface LocalFollowerDeps {
  runStore: RunStore;
  /** DATA_DIR, where the local runtime keeps `runs/<run-id>/` */
  dataDir: string;
  /** how often followed runs are read again, ms */
  pollIntervalMs: number;
  log: Logger;
  /** a run it followed reached a final phase: its side effects become a durable work item */
  onFinal: (runId: string) => Promise<void>;
}

export interface LocalFollower {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** a run event: start or stop following the run */
  schedule(runId: string): void;
  /** look at every followed run now (tests) */
  poll(): Promise<void>;
  idle(): Promise<void>;
}

/**
 * Follows runs of the local runtime by reading their directories (started/exit/result files) on a
 * short interval. Only runs that may still change are polled; a restart finds them in the run store.
 */
export function createLocalFollower(deps: LocalFollowerDeps): LocalFollower {
  const log = deps.log.child({ component: "local-follower" });
  const followed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const scheduler = new KeyedScheduler({
    work: (runId) => reconcile(runId),
    onError: (runId, err, failures) => log.warn({ err, runId, failures }, "following a local run failed"),
  });

  async function reconcile(runId: string): Promise<void> {
    const run = await deps.runStore.get(runId);
    if (!run || isTerminalPhase(run.phase)) {
      if (run && followed.has(runId)) await deps.onFinal(runId);
      followed.delete(runId);
      return;
    }
    if (run.runtime === "kubernetes") return;
    followed.add(runId);
    const dir = run.links.localDir ?? localRunDir(deps.dataDir, run.id);
    // until the dispatcher has recorded Dispatched the run is its (as on Kubernetes): moving it on
    // here would make the dispatcher's own transition fail
    if (run.phase === "Queued" || run.phase === "Rendering") return;
    const state = await readLocalRunState(dir);
    if (!state) return; // not dispatched yet
    const observation = observeLocalRun(state, Boolean(run.cancelRequestedAt));
    // a cancel shows who asked for it, whichever service saw the run end first
    const message =
      observation.phase === "Cancelled" && run.cancelReason ? run.cancelReason : observation.message;
    // the agent's output stays on the run record (redacted), never in the message posted publicly
    const logTail =
      observation.phase === "Failed" && observation.wantsLogTail
        ? logTailOf(await readTail(join(dir, LOCAL_RUN_FILES.output)))
        : undefined;
    const patch: RunPatch = {
      message,
      links: { localDir: dir },
      ...(observation.result ? { result: observation.result } : {}),
      ...(observation.reason ? { failureReason: observation.reason } : {}),
      ...(logTail ? { logTail } : {}),
      // the process wrote started.json: a fact retries are decided on
      ...(state.pid !== undefined || state.startedAt ? { agentStarted: true as const } : {}),
    };
    if (observation.phase === run.phase) {
      if (run.message !== message || run.links.localDir !== dir)
        await deps.runStore.tryTransition(run.id, run.phase, message, patch);
      return;
    }
    if (!canTransition(run.phase, observation.phase)) return;
    const next: RunRecord | undefined = await deps.runStore.tryTransition(
      run.id,
      observation.phase,
      message,
      patch,
    );
    if (next) log.info({ runId, from: run.phase, to: next.phase }, message);
    if (next && isTerminalPhase(next.phase)) {
      await deps.onFinal(runId);
      followed.delete(runId);
    }
  }

  async function poll(): Promise<void> {
    for (const runId of followed) scheduler.schedule(runId);
    await scheduler.idle();
  }

  return {
    async start() {
      let cursor: string | undefined;
      do {
        const page = await deps.runStore.list({ limit: 500, cursor });
        for (const run of page.runs) {
          if (!isTerminalPhase(run.phase) && run.runtime !== "kubernetes") followed.add(run.id);
        }
        cursor = page.nextCursor;
      } while (cursor);
      for (const runId of followed) scheduler.schedule(runId);
      if (!timer) {
        timer = setInterval(() => {
          for (const runId of followed) scheduler.schedule(runId);
        }, deps.pollIntervalMs);
        timer.unref();
      }
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await scheduler.stop();
    },
    schedule(runId) {
      followed.add(runId);
      scheduler.schedule(runId);
    },
    poll,
    idle: () => scheduler.idle(),
  };
}

async function readTail(path: string): Promise<string | undefined> {
  let text = "";
  try {
    for await (const chunk of tailFile(path, { follow: false, tailLines: 20 }))
      text += Buffer.from(chunk).toString("utf8");
  } catch {
    return undefined;
  }
  return text;
}
