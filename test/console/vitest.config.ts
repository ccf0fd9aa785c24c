import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // a loaded 2-core machine: polled conditions get time (a failure still fails, only later)
    expect: { poll: { timeout: 20_000 } },
    testTimeout: 120_000,
    hookTimeout: 90_000,
    // one server and one browser, shared by the steps of the walk-through in order
    sequence: { concurrent: false },
    fileParallelism: false,
  },
});
