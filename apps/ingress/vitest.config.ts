import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@orchestrator/local-redis/vitest-global-setup"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
