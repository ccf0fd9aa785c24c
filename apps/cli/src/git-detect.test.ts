import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitFixture, type GitFixture, ORIGIN_URL } from "../test/git-fixture.js";
import { detectGit, stripCredentials } from "./git-detect.js";

let fx: GitFixture | undefined;
afterEach(() => fx?.cleanup());

describe("detectGit", () => {
  it("reads origin, branch, the directory relative to the root and the user from a checkout", () => {
    fx = createGitFixture({ userName: "jdoe" });
    const sub = join(fx.repo, "_projects", "trader");
    expect(detectGit(sub, fx.env)).toEqual({
      root: fx.repo,
      relativeDir: "_projects/trader",
      originUrl: ORIGIN_URL,
      branch: "main",
      user: { login: "jdoe", from: "git config user.name" },
    });
    expect(detectGit(fx.repo, fx.env)?.relativeDir).toBe(".");
  });

  it("prefers github.user and reports no user rather than inventing one", () => {
    fx = createGitFixture({ userName: "Jane Doe", githubUser: "jdoe-gh" });
    expect(detectGit(fx.repo, fx.env)?.user).toEqual({ login: "jdoe-gh", from: "git config github.user" });
    fx.cleanup();
    fx = createGitFixture();
    expect(detectGit(fx.repo, fx.env)?.user).toBeUndefined();
  });

  it("never turns a display name into a guessed login", () => {
    fx = createGitFixture({ userName: "Jane Doe" });
    const context = detectGit(fx.repo, fx.env);
    expect(context?.user).toBeUndefined();
    expect(context?.ignoredUserName).toBe("Jane Doe");
  });

  it("finds nothing outside a checkout", () => {
    fx = createGitFixture();
    const outside = join(fx.home, "elsewhere");
    mkdirSync(outside);
    expect(detectGit(outside, { ...fx.env, GIT_CEILING_DIRECTORIES: fx.home })).toBeUndefined();
  });
});

describe("stripCredentials", () => {
  it("drops credentials embedded in an https origin", () => {
    expect(stripCredentials("https://x-access-token:ghp_secret@github.com/acme/trader.git")).toBe(
      "https://github.com/acme/trader.git",
    );
    expect(stripCredentials(ORIGIN_URL)).toBe(ORIGIN_URL);
  });
});
