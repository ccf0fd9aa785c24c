import type { Request, RequestHandler } from "express";
import { HttpError } from "../errors/http-error.js";
import { safeEqual } from "./constant-time.js";

export interface ApiToken {
  name: string;
  token: string;
}

/** Who called the API: the name of the token they presented (never the token). */
export interface ApiCaller {
  actor: string;
}

const CALLER = Symbol("apiCaller");

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * `Authorization: Bearer <token>` against API_TOKENS (every route) and VIEWER_TOKENS (reads only:
 * a viewer token on a write answers 403). Every configured token is compared (in constant time) so
 * the answer's timing does not tell which one nearly matched.
 */
export function requireApiToken(
  tokens: readonly ApiToken[],
  viewers: readonly ApiToken[] = [],
): RequestHandler {
  return (req, res, next) => {
    if (tokens.length === 0 && viewers.length === 0)
      throw new HttpError(401, "no API tokens configured: set API_TOKENS");
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      res.set("WWW-Authenticate", 'Bearer realm="orchestrator"');
      throw new HttpError(401, "missing bearer token: send Authorization: Bearer <token>");
    }
    const presented = match[1]!;
    let found: ApiToken | undefined;
    let viewer: ApiToken | undefined;
    for (const candidate of tokens) {
      if (safeEqual(presented, candidate.token) && !found) found = candidate;
    }
    for (const candidate of viewers) {
      if (safeEqual(presented, candidate.token) && !viewer) viewer = candidate;
    }
    if (!found && viewer) {
      if (!READ_METHODS.has(req.method))
        throw new HttpError(
          403,
          "a VIEWER_TOKENS token is read-only: creating, cancelling and retrying runs need an API_TOKENS token",
        );
      found = viewer;
    }
    if (!found) {
      res.set("WWW-Authenticate", 'Bearer realm="orchestrator", error="invalid_token"');
      throw new HttpError(401, "invalid API token");
    }
    (req as Request & { [CALLER]?: ApiCaller })[CALLER] = { actor: found.name };
    next();
  };
}

/** The caller recorded by {@link requireApiToken}. */
export function apiCaller(req: Request): ApiCaller {
  const caller = (req as Request & { [CALLER]?: ApiCaller })[CALLER];
  if (!caller) throw new HttpError(401, "not authenticated");
  return caller;
}
