import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitFixture, type GitFixture } from "../test/git-fixture.js";
import { CheckFailedError } from "./check-failed-error.js";
import { checkTaskmaster } from "./taskmaster-check.js";

let fx: GitFixture;
beforeEach(() => {
  fx = createGitFixture({ userName: "Jane Doe" });
});
afterEach(() => fx.cleanup());

const check = (overrides: Partial<Parameters<typeof checkTaskmaster>[0]> = {}) =>
  checkTaskmaster({
    root: fx.repo,
    workingDirectory: "_projects/trader",
    sourceBranch: "main",
    currentBranch: "main",
    env: fx.env,
    ...overrides,
  });

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckFailedError);
    return (err as Error).message;
  }
  throw new Error("expected the check to fail");
}

describe("checkTaskmaster", () => {
  it("passes for a committed and pushed tasks.json and counts the tasks", () => {
    expect(check()).toEqual({
      tasksFile: "_projects/trader/.taskmaster/tasks/tasks.json",
      taskCount: 1,
      comparedWith: "origin/main",
    });
  });

  it("says where it looked when the directory has no .taskmaster", () => {
    const message = failure(() => check({ workingDirectory: "." }));
    expect(message).toContain('no .taskmaster directory in working directory "."');
    expect(message).toContain("--working-directory");
  });

  it("reports a tasks.json that does not parse", () => {
    fx.write("_projects/trader/.taskmaster/tasks/tasks.json", "{ nope");
    expect(failure(() => check())).toMatch(/tasks\.json is not valid JSON/);
  });

  it("reports a missing tasks.json", () => {
    rmSync(join(fx.repo, "_projects/trader/.taskmaster/tasks/tasks.json"));
    expect(failure(() => check())).toMatch(/tasks\.json does not exist/);
  });

  it("lists uncommitted files and the commands that publish them", () => {
    fx.write("_projects/trader/.taskmaster/docs/prd.txt", "the PRD\n");
    const message = failure(() => check());
    expect(message).toContain("?? _projects/trader/.taskmaster/docs/prd.txt");
    expect(message).toContain("git add _projects/trader/.taskmaster && git commit");
    expect(message).toContain("git push");
  });

  it("refuses commits to .taskmaster that were not pushed, but not unrelated ones", () => {
    fx.write("notes.md", "unrelated\n");
    fx.git("add", ".");
    fx.git("commit", "-q", "-m", "unrelated");
    expect(check().taskCount).toBe(1);
    fx.write(
      "_projects/trader/.taskmaster/tasks/tasks.json",
      JSON.stringify({ tasks: [{ id: 1 }, { id: 2 }] }),
    );
    fx.git("commit", "-q", "-am", "more tasks");
    const message = failure(() => check());
    expect(message).toContain("1 commit(s) not pushed to origin/main");
    expect(message).toContain("git push");
  });

  it("asks for git push -u when the branch has no upstream", () => {
    fx.git("checkout", "-q", "-b", "feature/docs");
    const message = failure(() => check({ sourceBranch: "feature/docs", currentBranch: "feature/docs" }));
    expect(message).toContain("git push -u origin feature/docs");
  });
});
