import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["@orchestrator/local-redis/vitest-global-setup"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
