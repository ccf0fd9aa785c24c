import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // the Dockerfile test needs the bundles the image ships: built once here
    globalSetup: ["./src/build-bundles.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
