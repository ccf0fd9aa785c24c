import {
  type CodeRunRequest,
  codeRunRequestSchema,
  type DocsRunRequest,
  docsRunRequestSchema,
  type RunRequestInput,
} from "@orchestrator/contracts";
import type { RunInfo } from "../../src/index.js";

export const FIXED_RUN: RunInfo = {
  runId: "run-20250726-0001",
  attempt: 1,
  now: new Date("2025-07-26T12:00:00Z"),
};

type DocsInput = Extract<RunRequestInput, { kind: "docs" }>;
type CodeInput = Extract<RunRequestInput, { kind: "code" }>;

export function docsRequest(overrides: Partial<DocsInput> = {}): DocsRunRequest {
  return docsRunRequestSchema.parse({
    kind: "docs",
    idempotencyKey: "docs-trader-1",
    source: { type: "cli", actor: "swe-1-5dlabs" },
    repositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "_projects/trader",
    model: "claude-opus-4-20250514",
    githubUser: "swe-1-5dlabs",
    sourceBranch: "main",
    ...overrides,
  } satisfies DocsInput);
}

export function codeRequest(overrides: Partial<CodeInput> = {}): CodeRunRequest {
  return codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: "code-trader-1",
    source: { type: "cli", actor: "swe-1-5dlabs" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: ".",
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId: 1,
    service: "trader",
    ...overrides,
  } satisfies CodeInput);
}
