import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ensureRedis, RedisNotInstalledError } from "./ensure-redis.js";

function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once("error", reject);
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
  });
}

describe("ensureRedis", () => {
  it("starts a private redis-server when no URL is given, and stops it", async () => {
    const redis = await ensureRedis();
    expect(redis.started).toBe(true);
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await ping(redis.port!)).toBe("+PONG");
    await redis.stop();
    await expect(ping(redis.port!)).rejects.toThrow();
  });

  it("uses the given URL without starting anything", async () => {
    const redis = await ensureRedis({ url: "redis://example.invalid:6379" });
    expect(redis).toMatchObject({ url: "redis://example.invalid:6379", started: false });
  });

  it("says how to install redis-server when it is missing", async () => {
    await expect(ensureRedis({ binary: "redis-server-that-does-not-exist" })).rejects.toThrow(
      RedisNotInstalledError,
    );
    await expect(ensureRedis({ binary: "redis-server-that-does-not-exist" })).rejects.toThrow(
      /apt-get install -y redis-server/,
    );
  });
});
