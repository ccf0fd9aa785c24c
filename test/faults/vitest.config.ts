import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // real processes, SIGKILLs and failovers on a loaded machine: one file at a time, generous limits
    fileParallelism: false,
    expect: { poll: { timeout: 60_000, interval: 250 } },
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
