import type { RunRecord } from "@orchestrator/contracts";
import type { CreateRunResult } from "@orchestrator/run-store";
import type { Request, Response } from "express";

/** PUBLIC_URL, else what the caller used to reach us. */
export function publicBaseUrl(req: Request, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

export function statusUrl(base: string, runId: string): string {
  return `${base}/api/v1/runs/${encodeURIComponent(runId)}`;
}

/**
 * The answer to anything that asked for a run: 202 when it was created, 200 with `duplicate` when
 * the idempotency key already had one, 200 with `active` when a single-flight run is under way.
 */
export function sendRunAnswer(
  req: Request,
  res: Response,
  publicUrl: string | undefined,
  result: CreateRunResult,
  extra: Record<string, unknown> = {},
): void {
  const body = runAnswerBody(req, publicUrl, result.run, extra);
  if (result.outcome === "created") {
    res.status(202).json(body);
    return;
  }
  res
    .status(200)
    .json({ ...body, ...(result.outcome === "duplicate" ? { duplicate: true } : { active: true }) });
}

export function runAnswerBody(
  req: Request,
  publicUrl: string | undefined,
  run: RunRecord,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    runId: run.id,
    statusUrl: statusUrl(publicBaseUrl(req, publicUrl), run.id),
    phase: run.phase,
    ...extra,
  };
}
