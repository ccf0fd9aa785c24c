import { buildRetryRequest, type QUEUES, type RunRecord } from "@orchestrator/contracts";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { OUTCOME_UNKNOWN } from "../kube/recover-outcome.js";

export type RetryDecision = { retry: true } | { retry: false; why: string };

/**
 * Whether a failed run gets an automatic next attempt: code runs only (docs runs never retry on
 * their own), within `maxRetries`, not cancelled, not already retried, and only when the agent
 * actually ran (a run that failed to render or dispatch would fail the same way again).
 */
export function retryDecision(run: RunRecord): RetryDecision {
  if (run.phase !== "Failed") return { retry: false, why: "not failed" };
  if (run.request.kind !== "code") return { retry: false, why: "docs runs are never retried automatically" };
  if (run.retriedBy) return { retry: false, why: `already retried as ${run.retriedBy}` };
  if (run.cancelRequestedAt) return { retry: false, why: "cancelled" };
  // the Job vanished before its result was read: the agent may well have succeeded (and opened a PR)
  if (run.failureReason === OUTCOME_UNKNOWN.reason)
    return {
      retry: false,
      why: "its outcome is unknown (the Job was removed before its result was recorded)",
    };
  if (run.request.retryCount >= run.request.maxRetries) {
    return {
      retry: false,
      why: `no retries left (${run.request.retryCount} of ${run.request.maxRetries} used)`,
    };
  }
  if (!agentRan(run)) return { retry: false, why: "the run failed before its agent started" };
  return { retry: true };
}

/** Failure reasons only an agent container (or process) that ran can produce. */
const AGENT_RAN_REASONS = new Set(["OOMKilled", "ExitCode", "AgentReportedFailure", "ProcessDied"]);

/**
 * Whether the agent ran, from facts: the container state the watcher recorded (`agentStarted`), or a
 * failure reason that only a started agent can produce (an exit code, OOMKilled, its own report).
 * Never from which phases were observed: a loaded watcher can miss a short Running phase entirely.
 */
function agentRan(run: RunRecord): boolean {
  return run.agentStarted === true || AGENT_RAN_REASONS.has(run.failureReason ?? "");
}

export interface RetryDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  log: Logger;
  /**
   * moves a kubectl-applied CR (which a retry reuses) to the new attempt; undefined without
   * Kubernetes. A failure is only logged: reconciling the retry moves it too.
   */
  handOver: ((retry: RunRecord) => Promise<void>) | undefined;
}

/**
 * Starts the next attempt of a run: a new run with `contextVersion + 1`, `continueSession`,
 * `retryCount + 1` and the retry prompt (see `buildRetryRequest`), queued for rendering, and links
 * the old run to it. The retry takes over the run's GitHub comment (one comment tracks every attempt)
 * and, for a kubectl-applied run, its CR. Idempotent: the retry's idempotency key is derived from the old run, so a second
 * call finds the first retry instead of creating another. Returns undefined when another run of the
 * same issue/service is active (single flight) and no retry was made.
 */
export async function startRetry(
  deps: RetryDeps,
  run: RunRecord,
  reason: string,
): Promise<RunRecord | undefined> {
  // the next attempt's agent learns how the last one ended (the short reason, never the log tail: the
  // request is served by the API and sent to callbacks)
  const request = buildRetryRequest(run);
  const created = await deps.runStore.create({
    request,
    attempt: run.attempt + 1,
    reason,
    ...(run.singleFlightKey ? { singleFlightKey: run.singleFlightKey } : {}),
    ...(run.runtime ? { runtime: run.runtime } : {}),
  });
  if (created.outcome === "active") {
    deps.log.warn(
      { runId: run.id, activeRunId: created.run.id },
      "not retrying: another run for the same target is active",
    );
    return undefined;
  }
  let retry = created.run;
  const commentId = run.links.githubCommentId;
  if (commentId !== undefined && retry.links.githubCommentId === undefined) {
    retry = await deps.runStore.update(retry.id, (r) =>
      r.links.githubCommentId === undefined ? { ...r, links: { ...r.links, githubCommentId: commentId } } : r,
    );
  }
  if (deps.handOver) {
    await deps
      .handOver(retry)
      .catch((err: unknown) =>
        deps.log.warn({ err, runId: retry.id }, "could not hand the custom resource over to the retry yet"),
      );
  }
  await deps.renderQueue.add("render", { runId: retry.id }, { jobId: retry.id });
  if (run.retriedBy !== retry.id) {
    await deps.runStore.update(run.id, (r) => ({ ...r, retriedBy: retry.id }));
  }
  deps.log.info(
    { runId: run.id, retryRunId: retry.id, attempt: retry.attempt, outcome: created.outcome },
    "retry started",
  );
  return retry;
}
