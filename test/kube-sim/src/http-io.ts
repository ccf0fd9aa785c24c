import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";

/** The API server's default request-body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiError({
        message: `Request entity too large: limit is ${MAX_BODY_BYTES}`,
        reason: "RequestEntityTooLarge",
        code: 413,
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "Cache-Control": "no-cache, private", "Audit-Id": randomUUID(), ...extra };
}

/** `Warning: 299 - "text"` headers, as the API server sends for deprecations and dropped fields. */
export function warningHeader(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, baseHeaders({ "Content-Type": "application/json", ...headers }));
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, err.status, err.headers);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, baseHeaders({ "Content-Type": "text/plain; charset=utf-8" }));
  res.end(text);
}

/** Starts a chunked streaming answer (watch, log follow). */
export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, baseHeaders({ "Content-Type": contentType, "Transfer-Encoding": "chunked" }));
  res.flushHeaders();
}
