import { ConfigError } from "@orchestrator/config";
import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "./config.js";
import { watcherSettingsFromConfig } from "./settings.js";

describe("loadWatcherConfig", () => {
  it("works with nothing set", () => {
    const config = loadWatcherConfig({});
    expect(config).toMatchObject({
      HEALTH_PORT: 8083,
      RUNTIME: "auto",
      PENDING_TIMEOUT: 600_000,
      GC_INTERVAL: 600_000,
      RUN_RETENTION: 7 * 86_400_000,
      GITHUB_API_URL: "https://api.github.com",
    });
    expect(watcherSettingsFromConfig(config)).toMatchObject({
      pendingTimeoutMs: 600_000,
      namespace: "default",
    });
  });

  it("names the variable that is wrong and never echoes a secret", () => {
    let error: unknown;
    try {
      loadWatcherConfig({ PENDING_TIMEOUT: "soon", CALLBACK_SECRET: "short" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(
      expect.arrayContaining(["PENDING_TIMEOUT", "CALLBACK_SECRET"]),
    );
    expect((error as ConfigError).message).not.toContain('"short"');
  });

  it("asks for the private key of a GitHub App", () => {
    expect(() => loadWatcherConfig({ GITHUB_APP_ID: "42" })).toThrow(/GITHUB_APP_PRIVATE_KEY/);
  });
});
