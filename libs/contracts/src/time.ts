/**
 * The one definition of waiting, Retry-After and backoff arithmetic shared by every service.
 */

/** Waits `ms`, or less when `signal` aborts; never rejects (a loop then sees the abort and ends). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Seconds for a `Retry-After` header: a whole number, at least 1. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * A `Retry-After` value (delta-seconds or an HTTP date) in ms, capped to `maxMs`; undefined when
 * absent or unparsable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  maxMs = Number.POSITIVE_INFINITY,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  let ms: number;
  if (Number.isFinite(seconds)) ms = seconds * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), maxMs);
}

/** Exponential backoff for attempt `n` (1-based): `base * 2^(n-1)`, capped, with equal jitter. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return full / 2 + random() * (full / 2);
}

/** Rejects with `error()` when `promise` has not settled after `ms`; the timer never keeps Node alive. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  error: () => Error = () => new Error(`timed out after ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A short human duration, two units at most: `35s`, `4m 12s`, `1h 2m`, `3d 4h`. `compact` drops the
 * space and pads the second unit for aligned columns: `35s`, `4m05s`, `2h03m`, `3d04h`.
 */
export function formatDuration(ms: number, options: { compact?: boolean } = {}): string {
  const total = Math.max(0, options.compact ? Math.floor(ms / 1000) : Math.round(ms / 1000));
  const units: [number, string][] = [
    [Math.floor(total / 86_400), "d"],
    [Math.floor((total % 86_400) / 3600), "h"],
    [Math.floor((total % 3600) / 60), "m"],
    [total % 60, "s"],
  ];
  const first = units.findIndex(([n], i) => n > 0 || i === units.length - 1);
  const [major, majorUnit] = units[first] as [number, string];
  const minor = units[first + 1];
  if (!minor) return `${major}${majorUnit}`;
  const [n, unit] = minor;
  return options.compact
    ? `${major}${majorUnit}${String(n).padStart(2, "0")}${unit}`
    : `${major}${majorUnit} ${n}${unit}`;
}
