import { describe, expect, it } from "vitest";
import { buildRetryRequest } from "./retry.js";
import type { RunRecord } from "./run-record.js";
import { codeRunRequestSchema, runRequestSchema } from "./run-request.js";

function failedRun(promptModification?: string, contextVersion = 1): RunRecord {
  const request = codeRunRequestSchema.parse({
    kind: "code",
    idempotencyKey: "k",
    source: { type: "api" },
    repositoryUrl: "git@github.com:o/r.git",
    docsRepositoryUrl: "git@github.com:o/docs.git",
    workingDirectory: "r",
    model: "m",
    githubUser: "u",
    taskId: 1,
    service: "svc",
    contextVersion,
    ...(promptModification === undefined ? {} : { promptModification }),
  });
  return {
    id: "run-1",
    kind: "code",
    phase: "Failed",
    request,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    timeline: [],
    links: {},
    attempt: 1,
    result: { reason: "tests failed", sessionId: "abc-123" },
  };
}

describe("buildRetryRequest", () => {
  it("continues the session with the next context version and says why the last attempt failed", () => {
    const next = buildRetryRequest(failedRun());
    expect(next).toMatchObject({
      contextVersion: 2,
      continueSession: true,
      retryCount: 1,
      retryOf: "run-1",
      sessionId: "abc-123",
    });
    expect(next.kind === "code" && next.promptModification).toMatch(
      /The previous attempt ended with: tests failed$/,
    );
  });

  it("stays within the contract however long the prompt modification and however many retries came before", () => {
    let run = failedRun("y".repeat(16 * 1024), 1000);
    for (let i = 0; i < 3; i++) {
      const next = buildRetryRequest(run);
      expect(runRequestSchema.safeParse(next).error?.issues ?? []).toEqual([]);
      run = { ...run, request: next };
    }
    const last = buildRetryRequest(run);
    expect(last.kind === "code" && last.promptModification?.match(/previous attempt ended/g)?.length).toBe(1);
  });
});
