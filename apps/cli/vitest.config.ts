import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@orchestrator/local-redis/vitest-global-setup"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
