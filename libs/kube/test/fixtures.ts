import type { RunRecord } from "@orchestrator/contracts";
import {
  type CodeRequestOverrides,
  type DocsRequestOverrides,
  testCodeRequest,
  testDocsRequest,
  testRunRecord,
} from "@orchestrator/contracts/testing";

const at = "2026-01-01T00:00:00.000Z";

/** A code run with a fixed id and time; the GitHub user is mixed-case (resource names lower-case it). */
export function codeRun(overrides: CodeRequestOverrides = {}, id = "run-0mj1x2y3zabcd1234"): RunRecord {
  const request = testCodeRequest({
    idempotencyKey: `k-${id}`,
    githubUser: "Swe-1-5dlabs",
    taskId: 12,
    ...overrides,
  });
  return testRunRecord(request, { id, at });
}

export function docsRun(overrides: DocsRequestOverrides = {}, id = "run-0mj1x2y3zdocs5678"): RunRecord {
  const request = testDocsRequest({ idempotencyKey: `k-${id}`, sourceBranch: "feature/docs", ...overrides });
  return testRunRecord(request, { id, at });
}
