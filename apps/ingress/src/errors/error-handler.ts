import type { Logger } from "@orchestrator/observability";
import { PolicyRefusedError } from "@orchestrator/policy";
import { isRedisUnavailableError } from "@orchestrator/queue";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { HttpError } from "./http-error.js";

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Unknown routes get JSON, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
};

/**
 * The last middleware: every error becomes `{error, details?}`. Body-parser failures map to
 * 413/400/415; anything unexpected is logged (name and message only, never a stack or a body) and
 * answered 503 when Redis is the likely cause, 500 otherwise.
 */
export function createErrorHandler(options: {
  log: Logger;
  redisAvailable: () => boolean;
}): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof PolicyRefusedError) {
      // the message names the field and the rule, never the refused value
      res.status(err.status).json({
        error: err.message,
        rule: err.rule,
        details: [{ path: err.field, message: err.message }],
      });
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.details ? { details: err.details } : {}) });
      return;
    }
    const parserError = err as BodyParserError;
    switch (parserError?.type) {
      case "entity.too.large":
        res.status(413).json({ error: `request body too large (limit ${parserError.limit ?? "?"} bytes)` });
        return;
      case "entity.parse.failed":
        res.status(400).json({ error: "request body is not valid JSON" });
        return;
      case "encoding.unsupported":
      case "charset.unsupported":
        res.status(415).json({ error: "unsupported content encoding or charset" });
        return;
      case "request.aborted":
      case "request.size.invalid":
        res.status(400).json({ error: "request body was incomplete" });
        return;
    }
    // other client errors raised by body parsing (e.g. a body that does not match its Content-Encoding)
    const status = (err as { status?: unknown })?.status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: (err as { expose?: boolean }).expose ? (err as Error).message : "bad request" });
      return;
    }
    const e = err as Error;
    if (!options.redisAvailable() || isRedisUnavailableError(err) || isRedisUnavailableError(e?.cause)) {
      options.log.warn(
        { err: { name: e?.name, message: e?.message }, path: req.path },
        "request failed: Redis unavailable",
      );
      res.status(503).json({ error: "run store unavailable (Redis): try again later" });
      return;
    }
    options.log.error({ err: { name: e?.name, message: e?.message }, path: req.path }, "request failed");
    options.log.debug({ stack: e?.stack }, "stack of the failed request");
    res.status(500).json({ error: "internal error" });
  };
}
