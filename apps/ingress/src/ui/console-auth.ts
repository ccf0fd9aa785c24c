import { createHmac } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { ApiToken } from "../auth/api-tokens.js";
import { safeEqual } from "../auth/constant-time.js";
import { HttpError } from "../errors/http-error.js";

export const COOKIE = "orchestrator_console";
const MAX_AGE_S = 8 * 3600;

/** operators may cancel and retry; viewers only look */
export type Role = "operator" | "viewer";

export interface ConsoleUser {
  name: string;
  role: Role;
  /** token of the form fields of this session's POSTs */
  csrf: string;
}

const USER = Symbol("consoleUser");

export class ConsoleAuth {
  constructor(
    private readonly operators: readonly ApiToken[],
    private readonly viewers: readonly ApiToken[],
  ) {}

  /** The user a token belongs to; every configured token is compared in constant time. */
  identify(token: string): ConsoleUser | undefined {
    let found: ConsoleUser | undefined;
    for (const [role, tokens] of [
      ["operator", this.operators],
      ["viewer", this.viewers],
    ] as const) {
      for (const candidate of tokens) {
        if (safeEqual(token, candidate.token) && !found)
          found = { name: candidate.name, role, csrf: csrfToken(token) };
      }
    }
    return found;
  }

  /** The session cookie: HttpOnly, SameSite=Strict, Secure (browsers accept it on http://localhost). */
  setSession(res: Response, token: string): void {
    res.cookie(COOKIE, token, {
      httpOnly: true,
      secure: true,
      sameSite: "strict",
      path: "/ui",
      maxAge: MAX_AGE_S * 1000,
    });
  }

  clearSession(res: Response): void {
    res.clearCookie(COOKIE, { httpOnly: true, secure: true, sameSite: "strict", path: "/ui" });
  }

  /** Pages redirect to the login form without a valid session; fetches and streams get a 401. */
  requireSession(): RequestHandler {
    return (req, res, next) => {
      const token = readCookie(req, COOKIE);
      const user = token ? this.identify(token) : undefined;
      if (!user) {
        if (req.method === "GET" && req.accepts(["html", "json"]) === "html" && !req.get("x-console")) {
          res.redirect(303, `/ui/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        throw new HttpError(401, "sign in to the console first");
      }
      (req as Request & { [USER]?: ConsoleUser })[USER] = user;
      next();
    };
  }
}

/** The user recorded by {@link ConsoleAuth.requireSession}. */
export function consoleUser(req: Request): ConsoleUser {
  const user = (req as Request & { [USER]?: ConsoleUser })[USER];
  if (!user) throw new HttpError(401, "sign in to the console first");
  return user;
}

/** 403 unless the signed-in user is an operator. */
export const requireOperator: RequestHandler = (req, _res, next) => {
  if (consoleUser(req).role !== "operator") throw new HttpError(403, "viewers cannot change runs");
  next();
};

/**
 * CSRF defence of every POST, besides the SameSite=Strict cookie: a same-origin `Origin` (or, when
 * a browser sends none, `Sec-Fetch-Site`) and, once signed in, the session's form token.
 */
export function checkSameOrigin(req: Request): void {
  const origin = req.get("origin");
  const host = req.get("host");
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (!host || originHost !== host) throw new HttpError(403, "cross-origin form posts are refused");
  }
  const site = req.get("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none")
    throw new HttpError(403, "cross-site form posts are refused");
}

export const requireCsrf: RequestHandler = (req, _res, next) => {
  checkSameOrigin(req);
  const sent = (req.body as Record<string, unknown> | undefined)?.["_csrf"];
  if (typeof sent !== "string" || !safeEqual(sent, consoleUser(req).csrf))
    throw new HttpError(403, "missing or stale form token: reload the page");
  next();
};

function csrfToken(token: string): string {
  return createHmac("sha256", token).update("orchestrator-console-csrf").digest("base64url");
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
