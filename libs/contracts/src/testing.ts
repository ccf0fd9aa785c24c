/**
 * The one definition of the test runs every package's tests build on (`@orchestrator/contracts/testing`):
 * a code run and a docs run of the `5dlabs/trader` project, valid by the request schemas, and a run
 * record around a request. Tests override only what they are about.
 */
import type { RenderedFiles } from "./messages.js";
import type { RunRecord } from "./run-record.js";
import {
  type CodeRunRequest,
  codeRunRequestSchema,
  type DocsRunRequest,
  docsRunRequestSchema,
  type RunRequest,
  type RunRequestInput,
} from "./run-request.js";

export type CodeRequestOverrides = Partial<Extract<RunRequestInput, { kind: "code" }>>;
export type DocsRequestOverrides = Partial<Extract<RunRequestInput, { kind: "docs" }>>;

/** The GitHub user of the test runs (the suffix of their `github-ssh-` / `github-pat-` Secrets). */
export const TEST_GITHUB_USER = "swe-1-5dlabs";

let sequence = 0;
/** A key no other test in any process uses (idempotency keys, delivery ids). */
export function uniqueTestKey(label = "k"): string {
  sequence += 1;
  return `${label}-${process.pid}-${sequence}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A code run of task 1 of the trader service; `idempotencyKey` is unique unless overridden. */
export function testCodeRequest(overrides: CodeRequestOverrides = {}): CodeRunRequest {
  return codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: uniqueTestKey("code"),
    source: { type: "api", actor: "pm" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: TEST_GITHUB_USER,
    taskId: 1,
    service: "trader",
    ...overrides,
  });
}

/** A docs run of `_projects/simple-api` on `main`; `idempotencyKey` is unique unless overridden. */
export function testDocsRequest(overrides: DocsRequestOverrides = {}): DocsRunRequest {
  return docsRunRequestSchema.parse({
    kind: "docs",
    idempotencyKey: uniqueTestKey("docs"),
    source: { type: "cli" },
    repositoryUrl: "https://github.com/5dlabs/platform.git",
    workingDirectory: "_projects/simple-api",
    model: "claude-opus-4-20250514",
    githubUser: TEST_GITHUB_USER,
    sourceBranch: "main",
    ...overrides,
  });
}

/** A run record of `request` as the ingress creates it: attempt 1, no timeline, phase Rendering. */
export function testRunRecord(
  request: RunRequest,
  options: { id: string; phase?: RunRecord["phase"]; at?: string },
): RunRecord {
  const at = options.at ?? new Date().toISOString();
  return {
    id: options.id,
    kind: request.kind,
    phase: options.phase ?? "Rendering",
    request,
    createdAt: at,
    updatedAt: at,
    timeline: [],
    links: {},
    attempt: 1,
  } as RunRecord;
}

/** The four files a rendered run carries, small stand-ins for tests that do not render. */
export const TEST_RENDERED_FILES: RenderedFiles = {
  "container.sh": "#!/bin/bash\necho agent\n",
  "settings.json": "{}",
  "CLAUDE.md": "# memory\n",
  "prompt.md": "do the task\n",
};
