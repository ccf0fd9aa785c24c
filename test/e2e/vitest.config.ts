import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // a loaded 2-core CI machine: give polled conditions time (a failure still fails, only later)
    expect: { poll: { timeout: 10_000 } },
    // the services run from their bundles (apps/*/dist/main.js), built once here
    globalSetup: ["./src/build-bundles.ts", "@orchestrator/local-redis/vitest-global-setup"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
