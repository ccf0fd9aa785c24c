import express, { type RequestHandler } from "express";
import { HttpError } from "../errors/http-error.js";

/** The media type of a request without parameters, lowercased ("" when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

export function isJsonMediaType(type: string): boolean {
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Raw bytes of any request body, for routes that verify a signature over exactly what was sent.
 * Must run before (instead of) a JSON parser.
 */
export function rawBody(limit: string): RequestHandler {
  return express.raw({ type: () => true, limit });
}

/** JSON API bodies: 415 for another content type, 400 for broken JSON, 413 past the limit. */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!isJsonMediaType(mediaType(req.get("content-type")))) {
      throw new HttpError(415, "send the request body as application/json");
    }
    next();
  };
  return [requireJson, express.json({ limit, type: () => true })];
}

/** Parses a raw JSON body already read by {@link rawBody}. @throws HttpError 415 / 400 */
export function parseJsonBody(
  contentType: string | undefined,
  body: unknown,
  hint = "",
): Record<string, unknown> {
  const type = mediaType(contentType);
  if (!isJsonMediaType(type)) {
    throw new HttpError(
      415,
      `send the body as application/json${type ? ` (got ${type.slice(0, 100)})` : ""}${hint}`,
    );
  }
  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HttpError(400, "request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
