import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["test/support/cleanup.ts"],
    // the script tests run real bash, git and node processes
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
