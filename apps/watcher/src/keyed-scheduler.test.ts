import { describe, expect, it } from "vitest";
import { KeyedScheduler } from "./keyed-scheduler.js";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("KeyedScheduler", () => {
  it("never runs one key twice at once and runs it again when scheduled meanwhile", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const scheduler = new KeyedScheduler({
      work: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        await tick(10);
        running--;
      },
      onError: () => {},
    });
    scheduler.schedule("run-1");
    await tick(1);
    scheduler.schedule("run-1");
    scheduler.schedule("run-1");
    await tick(40);
    await scheduler.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it("retries failed work with backoff", async () => {
    let attempts = 0;
    const errors: number[] = [];
    const scheduler = new KeyedScheduler({
      work: async () => {
        if (++attempts < 3) throw new Error("transient");
      },
      onError: (_key, _err, failures) => errors.push(failures),
      retryBaseMs: 5,
    });
    scheduler.schedule("k");
    await expect.poll(() => attempts).toBe(3);
    expect(errors).toEqual([1, 2]);
    await scheduler.stop();
  });
});
