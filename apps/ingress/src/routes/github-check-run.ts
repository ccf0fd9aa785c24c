import type { Request, Response } from "express";
import { ZodError } from "zod";
import { HttpError } from "../errors/http-error.js";
import { checkRunPayload } from "../github/github-payload.js";
import type { GithubDelivery } from "../github/github-run-request.js";
import type { IngressContext } from "../ingress-context.js";
import type { Ignore } from "../triggers/ignore.js";
import { retryRun } from "./github-retry.js";

/** The identifier of the Re-run button the watcher puts on a failed run's Check Run. */
const RERUN_ACTION = "rerun";

/**
 * `check_run.rerequested` (GitHub's "Re-run" of a check) and `check_run.requested_action` with our
 * Re-run button: the run named by the check run's `external_id` is retried through the same path as
 * `/orchestrator retry`. GitHub only shows these buttons to people with write access to the repository.
 */
export async function handleCheckRunEvent(
  ctx: IngressContext,
  req: Request,
  res: Response,
  raw: Record<string, unknown>,
  delivery: GithubDelivery,
  ignored: (ignore: Ignore) => void,
): Promise<void> {
  let payload: ReturnType<typeof checkRunPayload.parse>;
  try {
    payload = checkRunPayload.parse(raw);
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    ctx.metrics.webhook("github", "-", "rejected");
    throw new HttpError(
      400,
      `check_run payload lacks expected fields: ${err.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  }
  const rerun =
    payload.action === "rerequested" ||
    (payload.action === "requested_action" && payload.requested_action?.identifier === RERUN_ACTION);
  if (!rerun) {
    return ignored({
      reason: "event_not_handled",
      message: `check_run.${payload.action ?? ""} does not trigger runs`,
    });
  }
  const runId = payload.check_run.external_id ?? "";
  const run = runId ? await ctx.runStore.get(runId) : undefined;
  const source = run?.request.source;
  const repository = payload.repository.full_name.toLowerCase();
  if (!run || source?.type !== "github" || source.repository.toLowerCase() !== repository) {
    return ignored({
      reason: "no_run",
      message: `check run ${payload.check_run.id} belongs to no run of ${payload.repository.full_name}`,
    });
  }
  const { commentId: _comment, htmlUrl: _url, hookId: _hook, ...rest } = source;
  return retryRun(ctx, req, res, ignored, run, {
    source: {
      ...rest,
      deliveryId: delivery.deliveryId,
      ...(delivery.hookId ? { hookId: delivery.hookId } : {}),
      event: "check_run",
      action: payload.action ?? "rerequested",
      sender: payload.sender.login,
      ...(payload.installation ? { installationId: payload.installation.id } : {}),
    },
    delivery,
    sender: payload.sender.login,
    event: "check_run",
  });
}
