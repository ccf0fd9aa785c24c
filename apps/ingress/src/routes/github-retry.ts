import {
  buildRetryRequest,
  type GithubSource,
  isTerminalPhase,
  type RunRecord,
} from "@orchestrator/contracts";
import type { Request, Response } from "express";
import { type GithubDelivery, githubIdempotencyKey } from "../github/github-run-request.js";
import type { IngressContext } from "../ingress-context.js";
import { runAnswerBody, sendRunAnswer } from "../runs/run-answer.js";
import type { Ignore } from "../triggers/ignore.js";

/**
 * The one retry path of GitHub requests (`/orchestrator retry`, a Check Run's Re-run): a new attempt of
 * a finished, unsuccessful run. Keyed by the delivery (not the run) so a redelivery is a duplicate but a
 * later request retries again; an active run is answered as it is, a succeeded one is not retried.
 */
export async function retryRun(
  ctx: IngressContext,
  req: Request,
  res: Response,
  ignored: (ignore: Ignore) => void,
  run: RunRecord,
  asked: { source: GithubSource; delivery: GithubDelivery; sender: string; event: string },
): Promise<void> {
  if (!isTerminalPhase(run.phase)) {
    ctx.metrics.webhook("github", asked.event, "duplicate");
    res.status(200).json(runAnswerBody(req, ctx.config.PUBLIC_URL, run, { active: true }));
    return;
  }
  if (run.phase === "Succeeded") {
    return ignored({
      reason: "nothing_to_retry",
      message: `the latest run ${run.id} succeeded; start a new one instead`,
    });
  }
  const request = {
    ...buildRetryRequest(run),
    idempotencyKey: githubIdempotencyKey(asked.delivery),
    source: asked.source,
  };
  const source = run.request.source;
  const result = await ctx.submitter.submit({
    request,
    ...(run.singleFlightKey ? { singleFlightKey: run.singleFlightKey } : {}),
    attempt: run.attempt + 1,
    reason: `retry of ${run.id} asked by @${asked.sender}`,
    ...(source.type === "github" && source.number !== undefined
      ? { issue: { fullName: source.repository, number: source.number } }
      : {}),
  });
  if (result.outcome === "created") {
    await ctx.runStore.update(run.id, (r) => ({ ...r, retriedBy: result.run.id })).catch(() => undefined);
  }
  ctx.metrics.webhook("github", asked.event, result.outcome === "created" ? "accepted" : "duplicate");
  sendRunAnswer(req, res, ctx.config.PUBLIC_URL, result, { retryOf: run.id });
}
