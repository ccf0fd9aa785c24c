import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // a loaded 2-core CI machine: give polled conditions time (a failure still fails, only later)
    expect: { poll: { timeout: 10_000 } },
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
