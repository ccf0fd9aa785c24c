import { describe, expect, it } from "vitest";
import { completeRunRequest } from "./complete-run-request.js";
import { runRequestSchema } from "./run-request.js";

const defaults = { docsModel: "docs-model", codeModel: "code-model", aliases: { opus: "claude-opus-x" } };
const common = { idempotencyKey: "k", source: { type: "cli" as const } };

describe("completeRunRequest", () => {
  it("defaults a code run's model, working directory and docs repository", () => {
    const request = completeRunRequest(
      {
        kind: "code",
        taskId: 1,
        service: "trader",
        repositoryUrl: "git@github.com:o/r.git",
        githubUser: "u",
      },
      common,
      defaults,
    );
    expect(runRequestSchema.parse(request)).toMatchObject({
      model: "code-model",
      workingDirectory: "trader",
      docsRepositoryUrl: "git@github.com:o/r.git",
    });
  });

  it("resolves a docs run's model alias and keeps what was given", () => {
    const request = completeRunRequest(
      {
        kind: "docs",
        repositoryUrl: "git@github.com:o/r.git",
        githubUser: "u",
        sourceBranch: "main",
        model: "opus",
        workingDirectory: "_projects/trader",
      },
      common,
      defaults,
    );
    expect(runRequestSchema.parse(request)).toMatchObject({
      model: "claude-opus-x",
      workingDirectory: "_projects/trader",
    });
  });
});
