import { createHash } from "node:crypto";

/** Fields that describe who sent a request rather than what it asks for. */
const IGNORED = new Set(["source", "idempotencyKey"]);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * SHA-256 of what a run request asks for (key order and the sender's metadata do not count), so an
 * Idempotency-Key reused with a different body can be told from a retry of the same one.
 */
export function requestBodyHash(request: object): string {
  const fields = Object.fromEntries(Object.entries(request).filter(([key]) => !IGNORED.has(key)));
  return createHash("sha256")
    .update(JSON.stringify(canonical(fields)))
    .digest("hex");
}
