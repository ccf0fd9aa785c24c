import { ConfigError, loadConfig } from "@orchestrator/config";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MIN_JOB_TTL_SECONDS, runtimeEnv } from "./runtime-env.js";

const schema = z.object(runtimeEnv);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("runtime environment", () => {
  it("refuses a JOB_TTL_SECONDS that would delete a finished Job before the watcher records it", () => {
    for (const value of ["0", "1", "299"]) {
      const err = configError({ JOB_TTL_SECONDS: value });
      expect(err.variables).toEqual(["JOB_TTL_SECONDS"]);
      expect(err.message).toContain("JOB_TTL_SECONDS: must be at least 300 seconds");
      expect(err.message).toContain("watcher");
    }
    expect(MIN_JOB_TTL_SECONDS).toBe(300);
    expect(loadConfig(schema, { JOB_TTL_SECONDS: "300" }).JOB_TTL_SECONDS).toBe(300);
    expect(loadConfig(schema, {}).JOB_TTL_SECONDS).toBe(1800);
  });
});
