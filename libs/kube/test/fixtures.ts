import {
  codeRunRequestSchema,
  docsRunRequestSchema,
  type RunRecord,
  type RunRequestInput,
} from "@orchestrator/contracts";

const at = "2026-01-01T00:00:00.000Z";

export function codeRun(
  overrides: Partial<Extract<RunRequestInput, { kind: "code" }>> = {},
  id = "run-0mj1x2y3zabcd1234",
): RunRecord {
  const request = codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: `k-${id}`,
    source: { type: "api", actor: "pm" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: "Swe-1-5dlabs",
    taskId: 12,
    service: "trader",
    ...overrides,
  });
  return {
    id,
    kind: "code",
    phase: "Rendering",
    request,
    createdAt: at,
    updatedAt: at,
    timeline: [],
    links: {},
    attempt: 1,
  };
}

export function docsRun(
  overrides: Partial<Extract<RunRequestInput, { kind: "docs" }>> = {},
  id = "run-0mj1x2y3zdocs5678",
): RunRecord {
  const request = docsRunRequestSchema.parse({
    kind: "docs",
    idempotencyKey: `k-${id}`,
    source: { type: "cli" },
    repositoryUrl: "https://github.com/5dlabs/platform.git",
    workingDirectory: "_projects/simple-api",
    model: "claude-opus-4-20250514",
    githubUser: "swe-1-5dlabs",
    sourceBranch: "feature/docs",
    ...overrides,
  });
  return {
    id,
    kind: "docs",
    phase: "Rendering",
    request,
    createdAt: at,
    updatedAt: at,
    timeline: [],
    links: {},
    attempt: 1,
  };
}
