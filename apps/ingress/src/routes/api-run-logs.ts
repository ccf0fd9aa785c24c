import { isTerminalPhase } from "@orchestrator/contracts";
import { Router } from "express";
import { z } from "zod";
import { HttpError, ValidationError } from "../errors/http-error.js";
import { validationDetails } from "../errors/validation-details.js";
import type { IngressContext } from "../ingress-context.js";
import { findRun } from "./api-runs.js";

const logsQuerySchema = z.object({
  follow: z.enum(["true", "false"]).optional(),
  tailLines: z.coerce.number().int().min(0).max(100_000).optional(),
});

/**
 * `GET /api/v1/runs/:id/logs`: the agent's output as text/plain, streamed from the injected
 * LogReader (pod logs or a local file). Stops reading when the client goes away.
 */
export function apiRunLogsRouter(ctx: IngressContext): Router {
  const router = Router();
  router.get("/api/v1/runs/:id/logs", async (req, res) => {
    const query = logsQuerySchema.safeParse(req.query);
    if (!query.success) throw new ValidationError(validationDetails(query.error.issues), "invalid query");
    const run = await findRun(ctx, req.params["id"]);
    if (!ctx.logReader)
      throw new HttpError(501, "logs are not available in this deployment (no log reader configured)");
    if (!run.links.pod && !run.links.job && !run.links.localDir) {
      throw new HttpError(
        409,
        `run has no logs${isTerminalPhase(run.phase) ? "" : " yet"} (phase ${run.phase})`,
      );
    }
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const iterator = ctx.logReader
      .stream(run, {
        follow: query.data.follow === "true",
        ...(query.data.tailLines !== undefined ? { tailLines: query.data.tailLines } : {}),
        signal: abort.signal,
      })
      [Symbol.asyncIterator]();
    // the first chunk decides the status: an error before any output is still a proper JSON error
    const first = await iterator.next();
    res.status(200).set({
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    try {
      if (!first.done) res.write(first.value);
      for (;;) {
        if (abort.signal.aborted) break;
        const next = await iterator.next();
        if (next.done) break;
        res.write(next.value);
      }
    } catch (err) {
      if (!abort.signal.aborted) {
        ctx.log.warn({ runId: run.id, err: { message: (err as Error).message } }, "log stream failed");
        res.write("\n[log stream interrupted]\n");
      }
    } finally {
      await iterator.return?.().catch(() => undefined);
      res.end();
    }
  });
  return router;
}
