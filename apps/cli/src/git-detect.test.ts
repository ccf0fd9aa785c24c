import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitFixture, type GitFixture, ORIGIN_URL } from "../test/git-fixture.js";
import { detectGit, sanitiseLogin, stripCredentials } from "./git-detect.js";

let fx: GitFixture | undefined;
afterEach(() => fx?.cleanup());

describe("detectGit", () => {
  it("reads origin, branch, the directory relative to the root and the user from a checkout", () => {
    fx = createGitFixture({ userName: "Jane Doe" });
    const sub = join(fx.repo, "_projects", "trader");
    expect(detectGit(sub, fx.env)).toEqual({
      root: fx.repo,
      relativeDir: "_projects/trader",
      originUrl: ORIGIN_URL,
      branch: "main",
      user: { login: "Jane-Doe", from: "git config user.name" },
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

  it("finds nothing outside a checkout", () => {
    fx = createGitFixture();
    const outside = join(fx.home, "elsewhere");
    mkdirSync(outside);
    expect(detectGit(outside, { ...fx.env, GIT_CEILING_DIRECTORIES: fx.home })).toBeUndefined();
  });
});

describe("sanitiseLogin and stripCredentials", () => {
  it("turns a display name into a GitHub-shaped login", () => {
    expect(sanitiseLogin("Jane Doe")).toBe("Jane-Doe");
    expect(sanitiseLogin("  José  Müller ")).toBe("Jose-Muller");
    expect(sanitiseLogin("!!!")).toBeUndefined();
  });

  it("drops credentials embedded in an https origin", () => {
    expect(stripCredentials("https://x-access-token:ghp_secret@github.com/acme/trader.git")).toBe(
      "https://github.com/acme/trader.git",
    );
    expect(stripCredentials(ORIGIN_URL)).toBe(ORIGIN_URL);
  });
});
