import { describe, expect, it } from "vitest";
import { backoffMs, formatDuration, parseRetryAfter, retryAfterSeconds, sleep, withTimeout } from "./time.js";

describe("time helpers", () => {
  it("parses Retry-After seconds and dates, capped", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("100", 10_000)).toBe(10_000);
    expect(parseRetryAfter(new Date(1_000_000 + 5000).toUTCString(), undefined, 1_000_000)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("formats Retry-After as whole seconds of at least 1", () => {
    expect(retryAfterSeconds(0)).toBe("1");
    expect(retryAfterSeconds(1500)).toBe("2");
  });

  it("formats short human durations", () => {
    expect(formatDuration(35_000)).toBe("35s");
    expect(formatDuration(252_000)).toBe("4m 12s");
    expect(formatDuration(3_720_000)).toBe("1h 2m");
    expect(formatDuration(60_000)).toBe("1m 0s");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5_000)).toBe("3d 4h");
    expect(formatDuration(-5)).toBe("0s");
  });

  it("formats compact durations for aligned columns", () => {
    expect(formatDuration(3_999, { compact: true })).toBe("3s");
    expect(formatDuration(245_000, { compact: true })).toBe("4m05s");
    expect(formatDuration(2 * 3_600_000 + 3 * 60_000, { compact: true })).toBe("2h03m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000, { compact: true })).toBe("3d04h");
  });

  it("backs off exponentially with a cap", () => {
    expect(backoffMs(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffMs(10, 100, 1000, () => 0)).toBe(500);
  });

  it("times out a promise that never settles, and ends a sleep on abort", async () => {
    await expect(withTimeout(new Promise(() => {}), 20)).rejects.toThrow("timed out after 20 ms");
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
