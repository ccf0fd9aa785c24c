import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // a loaded 2-core CI machine: give polled conditions time (a failure still fails, only later)
    expect: { poll: { timeout: 10_000 } },
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["test/support/cleanup.ts"],
    // the script tests run real bash, git and node processes
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
