import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // a loaded 2-core CI machine: give polled conditions time (a failure still fails, only later)
    expect: { poll: { timeout: 10_000 } },
    globalSetup: ["@orchestrator/local-redis/vitest-global-setup"],
    testTimeout: 20_000,
  },
});
