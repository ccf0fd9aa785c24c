export * from "@orchestrator/github/test/fake-github";

/** Client settings for tests: GitHub's 1 s write spacing and back-off units shrunk to 10 ms. */
export const FAST_GITHUB = { writeIntervalMs: 10, retryBaseMs: 10 } as const;
