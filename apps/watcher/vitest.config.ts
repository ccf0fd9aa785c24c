import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@orchestrator/local-redis/vitest-global-setup"],
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
