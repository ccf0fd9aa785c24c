import { RUN_EVENTS_CHANNEL, type RunEvent, sleep } from "@orchestrator/contracts";
import { subscribeRunEvents } from "@orchestrator/run-store";
import { Redis } from "ioredis";
import { API_TOKEN, GITHUB_USER, type System } from "../../test/e2e/src/system.js";

/** A docs run as the API takes it (docs runs do not queue behind each other as code runs of one service do). */
export const DOCS_RUN = {
  kind: "docs",
  repositoryUrl: "git@github.com:5dlabs/platform.git",
  workingDirectory: "docs",
  sourceBranch: "main",
  githubUser: GITHUB_USER,
};

/** The agent's result the e2e system scripts for a successful run, but the pod runs until finished. */
export const HANGING_SUCCESS = {
  hang: true,
  exitCode: 0,
  terminationMessage: JSON.stringify({
    outcome: "succeeded",
    branch: "docs/bench",
    commit: "0123456789abcdef0123456789abcdef01234567",
    sessionId: "5b0c1f5e-1111-2222-3333-444455556666",
  }),
};

/**
 * `count` docs runs through `POST /api/v1/runs`, `concurrency` at a time, spread over the ingress
 * processes; returns the accepted run ids (in the order they were accepted) and the refusals.
 */
export async function submitRuns(
  system: System,
  count: number,
  concurrency: number,
): Promise<{ ids: string[]; refused: number }> {
  const ids: string[] = [];
  let refused = 0;
  let next = 0;
  const worker = async (w: number) => {
    const base = system.apiUrls[w % system.apiUrls.length];
    while (next < count) {
      next += 1;
      const res = await fetch(`${base}/api/v1/runs`, {
        method: "POST",
        headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(DOCS_RUN),
      }).catch(() => undefined);
      const body = (await res?.json().catch(() => undefined)) as { runId?: string } | undefined;
      if (res?.status === 202 && body?.runId) ids.push(body.runId);
      else refused += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { ids, refused };
}

/** Run events of the system's services, on a dedicated subscriber connection (first time per phase). */
export async function followRunEvents(
  system: System,
  redisUrl: string,
): Promise<{ at(phase: string): Map<string, number>; stop(): Promise<void> }> {
  const byPhase = new Map<string, Map<string, number>>();
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const unsubscribe = await subscribeRunEvents(
    subscriber,
    `${system.prefix}:${RUN_EVENTS_CHANNEL}`,
    (event: RunEvent) => {
      let seen = byPhase.get(event.phase);
      if (!seen) {
        seen = new Map();
        byPhase.set(event.phase, seen);
      }
      if (!seen.has(event.runId)) seen.set(event.runId, performance.now());
    },
  );
  return {
    at: (phase) => byPhase.get(phase) ?? new Map(),
    stop: async () => {
      await unsubscribe();
      subscriber.disconnect();
    },
  };
}

/** Waits until `check` is true or `timeoutMs` passed; returns whether it became true. */
export async function until(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}
