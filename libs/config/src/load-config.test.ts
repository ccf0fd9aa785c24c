import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, commonEnv, env, loadConfig, serverEnv } from "./index.js";

const schema = z.object({ ...commonEnv, ...serverEnv, RETRY: env.duration("30s"), FLAG: env.boolean(false) });

describe("loadConfig", () => {
  it("applies the seed's defaults when nothing is set", () => {
    const config = loadConfig(schema, {});
    expect(config.SERVER_HOST).toBe("0.0.0.0");
    expect(config.SERVER_PORT).toBe(8080);
    expect(config.KUBERNETES_NAMESPACE).toBe("default");
    expect(config.RUN_RETENTION).toBe(7 * 86_400_000);
    expect(config.FLAG).toBe(false);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig(schema, { SERVER_PORT: "" }).SERVER_PORT).toBe(8080);
  });

  it("names every bad variable in the error", () => {
    let error: unknown;
    try {
      loadConfig(schema, { SERVER_PORT: "eighty", REDIS_URL: "localhost:6379", RETRY: "soon" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.variables).toEqual(expect.arrayContaining(["SERVER_PORT", "REDIS_URL", "RETRY"]));
    expect(configError.message).toContain("SERVER_PORT");
    expect(configError.message).toContain('"eighty"');
  });

  it("never echoes a secret value back", () => {
    const s = z.object({ API_TOKEN: z.string().min(40) });
    expect(() => loadConfig(s, { API_TOKEN: "hunter2" })).toThrow(/API_TOKEN.*<redacted>/);
  });

  it("never echoes the credentials of a refused URL", () => {
    let message = "";
    try {
      loadConfig(schema, { REDIS_URL: "redis-sentinel://user:hunter2@sentinel:26379/mymaster" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("REDIS_URL");
    expect(message).toContain("sentinel:26379/mymaster");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("user:");
  });

  it("parses durations in several units", () => {
    expect(loadConfig(schema, { RETRY: "1500ms" }).RETRY).toBe(1500);
    expect(loadConfig(schema, { RETRY: "10m" }).RETRY).toBe(600_000);
    expect(loadConfig(schema, { RETRY: "45" }).RETRY).toBe(45_000);
  });
});
