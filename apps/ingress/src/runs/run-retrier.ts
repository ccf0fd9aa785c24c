import { buildRetryRequest, isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { CreateRunResult } from "@orchestrator/run-store";
import { HttpError } from "../errors/http-error.js";
import type { IngressContext } from "../ingress-context.js";

/**
 * Retries a finished run as a new run with attempt + 1 and links the two (`retriedBy`). Shared by
 * `POST /api/v1/runs/:id/retry` and the console. A succeeded run is only run again with `force`.
 */
export async function retryRun(
  ctx: IngressContext,
  run: RunRecord,
  actor: string,
  force: boolean,
): Promise<CreateRunResult> {
  if (!isTerminalPhase(run.phase)) {
    throw new HttpError(409, `run ${run.id} is ${run.phase}: only a finished run can be retried`);
  }
  if (run.phase === "Succeeded" && !force) {
    throw new HttpError(409, `run ${run.id} succeeded: add ?force=true to run it again`);
  }
  const source = run.request.source;
  const result = await ctx.submitter.submit({
    request: buildRetryRequest(run),
    ...(run.singleFlightKey ? { singleFlightKey: run.singleFlightKey } : {}),
    attempt: run.attempt + 1,
    reason: `retry of ${run.id} asked by ${actor}`,
    ...(source.type === "github" && source.number !== undefined
      ? { issue: { fullName: source.repository, number: source.number } }
      : {}),
  });
  if (result.outcome === "created") {
    await ctx.runStore.update(run.id, (r) => ({ ...r, retriedBy: result.run.id })).catch(() => undefined);
  }
  return result;
}
