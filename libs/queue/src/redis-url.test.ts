import { describe, expect, it } from "vitest";
import { cachedRead } from "./queue-metrics.js";
import { parseRedisUrl, redactRedisUrl } from "./redis-url.js";

describe("REDIS_URL", () => {
  it("passes redis:// and rediss:// URLs through", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6379/2")).toEqual({ url: "redis://127.0.0.1:6379/2" });
  });

  it("turns redis+sentinel:// into ioredis Sentinel options", () => {
    expect(parseRedisUrl("redis+sentinel://h1:26379,h2,[::1]:26380/mymaster")).toEqual({
      sentinel: {
        name: "mymaster",
        sentinels: [
          { host: "h1", port: 26379 },
          { host: "h2", port: 26379 },
          { host: "::1", port: 26380 },
        ],
      },
    });
    expect(parseRedisUrl("redis+sentinel://:s3cret@h1:26379/main/3?sentinelPassword=sp")).toEqual({
      sentinel: {
        name: "main",
        sentinels: [{ host: "h1", port: 26379 }],
        password: "s3cret",
        db: 3,
        sentinelPassword: "sp",
      },
    });
  });

  it("rejects a sentinel URL without a master name, naming REDIS_URL", () => {
    expect(() => parseRedisUrl("redis+sentinel://h1:26379")).toThrow(/REDIS_URL: a Sentinel URL looks like/);
  });

  it("redacts passwords for logs", () => {
    expect(redactRedisUrl("redis://user:pw@h:1")).toBe("redis://user:***@h:1");
    expect(redactRedisUrl("redis+sentinel://:pw@h1,h2/m")).toBe("redis+sentinel://:***@h1,h2/m");
  });
});

describe("cachedRead", () => {
  it("answers within the timeout with the last value while a read hangs", async () => {
    let answer: Promise<number> = Promise.resolve(1);
    const read = cachedRead(() => answer, 50);
    expect(await read()).toBe(1);
    answer = new Promise(() => {});
    const started = Date.now();
    expect(await read()).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
