import { createHmac, timingSafeEqual } from "node:crypto";

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its webhooks. */
export const CALLBACK_SIGNATURE_HEADER = "x-orchestrator-signature-256";
/** Header carrying a stable id of the delivery (`<runId>.<phase>`), the same on every retry. */
export const CALLBACK_DELIVERY_HEADER = "x-orchestrator-delivery";
export const CALLBACK_EVENT_HEADER = "x-orchestrator-event";

export function signCallbackBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** For receivers (and tests): constant-time check of a signature header against the body. */
export function verifyCallbackSignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signCallbackBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
