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

  it("works on event keys before background (resync) keys, and moves a waiting background key up", async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const scheduler = new KeyedScheduler({
      concurrency: 1,
      work: async (key) => {
        order.push(key);
        // the first key holds the only slot until released, so everything else waits in the lanes
        if (key === "resync-1") await new Promise<void>((r) => (release = r));
      },
      onError: () => {},
    });
    for (const key of ["resync-1", "resync-2", "resync-3", "resync-4"])
      scheduler.schedule(key, 0, "background");
    scheduler.schedule("job-finished");
    scheduler.schedule("resync-4");
    scheduler.schedule("resync-2", 0, "background");
    release();
    await scheduler.idle();
    expect(order).toEqual(["resync-1", "job-finished", "resync-4", "resync-2", "resync-3"]);
  });
});
