import { randomUUID } from "node:crypto";
import {
  RUN_KINDS,
  RUN_PHASES,
  RUN_SOURCE_TYPES,
  type RunKind,
  type RunRecord,
  type RunRequest,
} from "@orchestrator/contracts";
import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { toRunRequest } from "../api/api-run-input.js";
import { fromPmAlias } from "../api/pm-aliases.js";
import { apiCaller } from "../auth/api-tokens.js";
import { HttpError, ValidationError } from "../errors/http-error.js";
import { validationDetails } from "../errors/validation-details.js";
import { jsonBody } from "../http/body-parsers.js";
import type { IngressContext } from "../ingress-context.js";
import { checkModel } from "../runs/model-check.js";
import { sendRunAnswer } from "../runs/run-answer.js";
import { retryRun } from "../runs/run-retrier.js";
import { continueLastSession, takeIngressFlags } from "../runs/session-continuation.js";

const RUN_ID_RE = /^[A-Za-z0-9._-]{1,253}$/;

const listQuerySchema = z.object({
  phase: z.enum(RUN_PHASES).optional(),
  kind: z.enum(RUN_KINDS).optional(),
  source: z.enum(RUN_SOURCE_TYPES).optional(),
  repository: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,16}(?::[a-z0-9-]{1,64})?$/, "must be a cursor from a previous page")
    .optional(),
});

/** The run API under `/api/v1` (authenticated by the caller of this factory). */
export function apiRunsRouter(ctx: IngressContext): Router {
  const router = Router();
  const json = jsonBody(ctx.config.BODY_LIMIT);

  router.post("/api/v1/runs", ...json, (req, res) => createRun(ctx, req, res, req.body));
  router.post("/api/v1/pm/tasks", ...json, (req, res) => createFromAlias(ctx, req, res, "code"));
  router.post("/api/v1/pm/docs/generate", ...json, (req, res) => createFromAlias(ctx, req, res, "docs"));

  router.get("/api/v1/runs", async (req, res) => {
    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new ValidationError(validationDetails(parsed.error.issues), "invalid query");
    const page = await ctx.runStore.list(parsed.data);
    res.json({ runs: page.runs, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  router.get("/api/v1/runs/:id", async (req, res) => {
    res.json(await findRun(ctx, req.params["id"]));
  });

  router.delete("/api/v1/runs/:id", async (req, res) => {
    const run = await findRun(ctx, req.params["id"]);
    const updated = await ctx.canceller.cancel(run, `cancelled by ${apiCaller(req).actor} via the API`);
    res.status(202).json({ runId: updated.id, phase: updated.phase, cancelRequested: true });
  });

  router.post("/api/v1/runs/:id/retry", async (req, res) => {
    const run = await findRun(ctx, req.params["id"]);
    const result = await retryRun(ctx, run, apiCaller(req).actor, req.query["force"] === "true");
    sendRunAnswer(req, res, ctx.config.PUBLIC_URL, result, { retryOf: run.id });
  });

  return router;
}

async function createRun(ctx: IngressContext, req: Request, res: Response, raw: unknown): Promise<void> {
  const { body, fresh, allowUnknownModel } = takeIngressFlags(raw);
  const asked = toRunRequest(body, requestContext(req), ctx.config);
  checkModel(asked, ctx.config, allowUnknownModel);
  const { request, note } = await continueLastSession(ctx.runStore, asked, { fresh });
  const result = await ctx.submitter.submit({
    request,
    validated: request === asked, // toRunRequest's parse, unless a session was added since
    reason: `requested by ${apiCaller(req).actor}${note}`,
  });
  sendRunAnswer(req, res, ctx.config.PUBLIC_URL, result);
}

async function createFromAlias(
  ctx: IngressContext,
  req: Request,
  res: Response,
  kind: RunKind,
): Promise<void> {
  const taken = takeIngressFlags(req.body);
  const { body, rename, unknown } = fromPmAlias(kind, taken.body);
  let asked: RunRequest;
  try {
    asked = toRunRequest(body, requestContext(req), ctx.config, rename);
  } catch (err) {
    if (err instanceof ValidationError && unknown.length > 0)
      throw new ValidationError([...unknown, ...(err.details ?? [])]);
    throw err;
  }
  if (unknown.length > 0) throw new ValidationError(unknown);
  checkModel(asked, ctx.config, taken.allowUnknownModel);
  const { request, note } = await continueLastSession(ctx.runStore, asked, { fresh: taken.fresh });
  const result = await ctx.submitter.submit({
    request,
    validated: request === asked, // toRunRequest's parse, unless a session was added since
    reason: `requested by ${apiCaller(req).actor}${note}`,
  });
  sendRunAnswer(req, res, ctx.config.PUBLIC_URL, result);
}

/** The caller's Idempotency-Key, scoped to its token so two clients never share keys. */
function requestContext(req: Request) {
  const actor = apiCaller(req).actor;
  const header = req.get("idempotency-key");
  if (header !== undefined && !/^[\x21-\x7e]{1,128}$/.test(header)) {
    throw new ValidationError([
      { path: "Idempotency-Key", message: "must be 1-128 printable ASCII characters" },
    ]);
  }
  return {
    idempotencyKey: `api:${actor}:${header ?? randomUUID()}`,
    actor,
    userAgent: req.get("user-agent"),
  };
}

export async function findRun(ctx: IngressContext, id: string | undefined): Promise<RunRecord> {
  const run = id && RUN_ID_RE.test(id) ? await ctx.runStore.get(id) : undefined;
  if (!run) throw new HttpError(404, id && RUN_ID_RE.test(id) ? `run ${id} not found` : "run not found");
  return run;
}
