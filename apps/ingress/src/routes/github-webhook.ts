import { isTerminalPhase, type RunKind } from "@orchestrator/contracts";
import type { Logger } from "@orchestrator/observability";
import { type Request, type Response, Router } from "express";
import { ZodError } from "zod";
import { verifyGithubSignature } from "../auth/github-signature.js";
import { HttpError, ServiceUnavailableError } from "../errors/http-error.js";
import { type GithubContext, readGithubContext } from "../github/github-payload.js";
import { runRecoveredForLabel } from "../github/github-rescan.js";
import {
  buildGithubRunRequest,
  type GithubDelivery,
  githubIdempotencyKey,
  githubSingleFlightKey,
  githubSource,
} from "../github/github-run-request.js";
import { withPullRequestHead } from "../github/pull-request-head.js";
import { isJsonMediaType, mediaType, parseJsonBody, rawBody } from "../http/body-parsers.js";
import { countParserRejections } from "../http/count-rejections.js";
import type { IngressContext } from "../ingress-context.js";
import { runAnswerBody, sendRunAnswer } from "../runs/run-answer.js";
import { decideGithubTrigger, type RunOptions } from "../triggers/github-trigger.js";
import type { Ignore } from "../triggers/ignore.js";
import { handleCheckRunEvent } from "./github-check-run.js";
import { retryRun } from "./github-retry.js";

/** Paths GitHub may deliver to: ours, and the one the original service documented. */
export const GITHUB_WEBHOOK_PATHS = ["/webhooks/github", "/webhook/github"] as const;

/**
 * `POST /webhooks/github`: verify, decide, record, enqueue. Answers within a few Redis round trips;
 * the one GitHub call is the branch lookup of `/orchestrator docs` commented on a pull request.
 */
export function githubWebhookRouter(ctx: IngressContext): Router {
  const router = Router();
  const handler = (req: Request, res: Response) => handleDelivery(ctx, req, res);
  for (const path of GITHUB_WEBHOOK_PATHS) router.post(path, rawBody(ctx.config.BODY_LIMIT), handler);
  router.use(countParserRejections(ctx.metrics, "github", GITHUB_WEBHOOK_PATHS));
  return router;
}

async function handleDelivery(ctx: IngressContext, req: Request, res: Response): Promise<void> {
  const event = req.get("x-github-event");
  const deliveryId = req.get("x-github-delivery");
  const signature = req.get("x-hub-signature-256");
  const hookId = req.get("x-github-hook-id");
  const missing = [
    ...(event ? [] : ["X-GitHub-Event"]),
    ...(deliveryId ? [] : ["X-GitHub-Delivery"]),
    ...(signature ? [] : ["X-Hub-Signature-256"]),
  ];
  if (missing.length > 0 || !event || !deliveryId || !signature) {
    return reject(ctx, 400, `missing header(s): ${missing.join(", ")}`);
  }
  if (!/^[a-z_]{1,64}$/.test(event)) reject(ctx, 400, "X-GitHub-Event is not an event name");
  if (!/^[A-Za-z0-9-]{1,100}$/.test(deliveryId)) reject(ctx, 400, "X-GitHub-Delivery is not a delivery id");
  if (hookId !== undefined && !/^\d{1,20}$/.test(hookId))
    reject(ctx, 400, "X-GitHub-Hook-ID is not a number");
  if (ctx.config.githubWebhookSecrets.length === 0) {
    reject(ctx, 401, "no GitHub webhook secret configured: set GITHUB_WEBHOOK_SECRETS");
  }
  const contentType = mediaType(req.get("content-type"));
  if (!isJsonMediaType(contentType)) {
    reject(ctx, 415, "send application/json (set the webhook's content type to application/json)");
  }
  const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (!(await verifyGithubSignature(ctx.config.githubWebhookSecrets, body, signature))) {
    reject(ctx, 401, "X-Hub-Signature-256 does not match the body for any configured secret");
  }
  let payload: Record<string, unknown>;
  try {
    payload = parseJsonBody(contentType, body);
  } catch (err) {
    return reject(ctx, 400, (err as Error).message);
  }

  const delivery: GithubDelivery = { deliveryId: deliveryId!, hookId };
  const log = ctx.log.child({ deliveryId, event });
  if (event === "ping") {
    ctx.metrics.webhook("github", event, "accepted");
    res.status(200).json({ ok: true, zen: typeof payload["zen"] === "string" ? payload["zen"] : undefined });
    return;
  }
  if (event === "check_run") {
    return handleCheckRunEvent(ctx, req, res, payload, delivery, (i) => ignored(ctx, res, log, event, i));
  }
  let context: GithubContext | undefined;
  try {
    context = readGithubContext(event, payload);
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    const fields = err.issues.map((i) => i.path.join(".")).join(", ");
    return reject(ctx, 400, `${event} payload lacks expected fields: ${fields}`);
  }
  const action = typeof payload["action"] === "string" ? `.${payload["action"]}` : "";
  if (!context) {
    return ignored(ctx, res, log, event, {
      reason: "event_not_handled",
      message: `${event}${action} does not trigger runs`,
    });
  }
  const trigger = decideGithubTrigger(context, ctx.rules);
  if (trigger.type === "ignore") return ignored(ctx, res, log, event, trigger.ignore);

  if (trigger.type === "run") {
    // the run's own record is idempotent by delivery, so a redelivery meets its first run there; only
    // a delivery that would now be ignored or refused looks the first delivery's run up
    try {
      return await startRun(ctx, req, res, log, context, delivery, trigger.kind, trigger.options);
    } catch (err) {
      // a run recorded but not queued, or Redis gone: the sender must retry, nothing to look up
      if (err instanceof ServiceUnavailableError) throw err;
      if (await answeredAsRedelivery(ctx, req, res, event, delivery).catch(() => false)) return;
      throw err;
    }
  }
  if (await answeredAsRedelivery(ctx, req, res, event, delivery)) return;
  switch (trigger.type) {
    case "retry":
      return retryLatest(ctx, req, res, log, context, delivery);
    case "cancel":
      return cancelLatest(ctx, req, res, log, context);
  }
}

/**
 * A redelivery is answered with what the first delivery created, whatever the rules say now (and the
 * render job is added again if the first attempt recorded the run but never queued it).
 */
async function answeredAsRedelivery(
  ctx: IngressContext,
  req: Request,
  res: Response,
  event: string,
  delivery: GithubDelivery,
): Promise<boolean> {
  const existing = await ctx.runStore.findByIdempotencyKey(githubIdempotencyKey(delivery));
  if (!existing) return false;
  if (existing.phase === "Queued" && existing.timeline.length === 1) await ctx.submitter.enqueue(existing);
  ctx.metrics.webhook("github", event, "duplicate");
  sendRunAnswer(req, res, ctx.config.PUBLIC_URL, { outcome: "duplicate", run: existing });
  return true;
}

/** Counts a rejected delivery and answers with the status (the error handler writes the body). */
function reject(ctx: IngressContext, status: number, message: string): never {
  ctx.metrics.webhook("github", "-", "rejected");
  throw new HttpError(status, message);
}

function ignored(ctx: IngressContext, res: Response, log: Logger, event: string, ignore: Ignore): void {
  ctx.metrics.webhook("github", event, "ignored", ignore.reason);
  log.info({ reason: ignore.reason }, "delivery ignored");
  res.status(202).json({ ignored: ignore.message });
}

async function startRun(
  ctx: IngressContext,
  req: Request,
  res: Response,
  log: Logger,
  context: GithubContext,
  delivery: GithubDelivery,
  kind: RunKind,
  options: RunOptions,
): Promise<void> {
  const ignore = async (i: Ignore) => {
    if (!(await answeredAsRedelivery(ctx, req, res, context.event, delivery)))
      ignored(ctx, res, log, context.event, i);
  };
  const withHead = kind === "docs" ? await withPullRequestHead(context, ctx.github) : context;
  if ("ignore" in withHead) return ignore(withHead.ignore);
  const built = buildGithubRunRequest({
    ctx: withHead,
    delivery,
    kind,
    options,
    rules: ctx.rules,
    config: ctx.config,
  });
  if ("ignore" in built) return ignore(built.ignore);
  const recovered = await runRecoveredForLabel(ctx, context);
  if (recovered) {
    ctx.metrics.webhook("github", context.event, "duplicate");
    sendRunAnswer(req, res, ctx.config.PUBLIC_URL, { outcome: "duplicate", run: recovered });
    return;
  }
  const result = await ctx.submitter.submit({
    request: built.request,
    validated: true, // buildGithubRunRequest's runRequestSchema parse
    singleFlightKey: githubSingleFlightKey(context.repository.full_name, context.number, kind),
    reason: `${context.event}.${context.action ?? ""} by @${context.sender.login}`,
    issue: { fullName: context.repository.full_name, number: context.number },
  });
  ctx.metrics.webhook("github", context.event, result.outcome === "created" ? "accepted" : "duplicate");
  sendRunAnswer(req, res, ctx.config.PUBLIC_URL, result);
}

async function latestRun(ctx: IngressContext, context: GithubContext) {
  const id = await ctx.issueIndex.latest(context.repository.full_name, context.number);
  return id ? ctx.runStore.get(id) : undefined;
}

async function retryLatest(
  ctx: IngressContext,
  req: Request,
  res: Response,
  log: Logger,
  context: GithubContext,
  delivery: GithubDelivery,
): Promise<void> {
  const run = await latestRun(ctx, context);
  const ignore = (i: Ignore) => ignored(ctx, res, log, context.event, i);
  if (!run) return ignore({ reason: "no_run", message: `no run for #${context.number} to retry` });
  return retryRun(ctx, req, res, ignore, run, {
    source: githubSource(context, delivery),
    delivery,
    sender: context.sender.login,
    event: context.event,
  });
}

async function cancelLatest(
  ctx: IngressContext,
  req: Request,
  res: Response,
  log: Logger,
  context: GithubContext,
): Promise<void> {
  const run = await latestRun(ctx, context);
  if (!run || isTerminalPhase(run.phase)) {
    return ignored(ctx, res, log, context.event, {
      reason: "no_run",
      message: `no active run for #${context.number}`,
    });
  }
  const updated = await ctx.canceller.cancel(run, `cancelled by @${context.sender.login} on GitHub`);
  ctx.metrics.webhook("github", context.event, "accepted");
  res.status(202).json({ ...runAnswerBody(req, ctx.config.PUBLIC_URL, updated), cancelRequested: true });
}
