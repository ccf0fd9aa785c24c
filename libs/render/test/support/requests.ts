import type { CodeRunRequest, DocsRunRequest } from "@orchestrator/contracts";
import {
  type CodeRequestOverrides,
  type DocsRequestOverrides,
  testCodeRequest,
  testDocsRequest,
} from "@orchestrator/contracts/testing";
import type { RunInfo } from "../../src/index.js";

export const FIXED_RUN: RunInfo = {
  runId: "run-20250726-0001",
  attempt: 1,
  now: new Date("2025-07-26T12:00:00Z"),
};

const CLI_SOURCE = { type: "cli", actor: "swe-1-5dlabs" } as const;

/** The docs run of the golden files (fixed key, so rendered output is byte-stable). */
export function docsRequest(overrides: DocsRequestOverrides = {}): DocsRunRequest {
  return testDocsRequest({
    idempotencyKey: "docs-trader-1",
    source: CLI_SOURCE,
    repositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "_projects/trader",
    ...overrides,
  });
}

/** The code run of the golden files (fixed key, so rendered output is byte-stable). */
export function codeRequest(overrides: CodeRequestOverrides = {}): CodeRunRequest {
  return testCodeRequest({
    idempotencyKey: "code-trader-1",
    source: CLI_SOURCE,
    workingDirectory: ".",
    ...overrides,
  });
}
