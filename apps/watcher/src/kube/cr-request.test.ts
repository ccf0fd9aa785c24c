import type { CodeRun, DocsRun } from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { requestFromCustomResource } from "./cr-request.js";

const defaults = { codeModel: "claude-sonnet-4-20250514", docsModel: "claude-opus-4-20250514" };
const metadata = { name: "trader-task-1", namespace: "agents", uid: "0b5c-uid" };

describe("requestFromCustomResource", () => {
  it("maps a CodeRun in the original CRD's shape, splitting CSV tool lists", () => {
    const cr: CodeRun = {
      apiVersion: "orchestrator.platform/v1",
      kind: "CodeRun",
      metadata,
      spec: {
        taskId: 1,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        githubUser: "swe-1-5dlabs",
        localTools: "filesystem, git",
        remoteTools: "brave-search_brave_web_search",
        contextVersion: 2,
        continueSession: true,
        model: "opus",
        maxRetries: 1,
      },
    };
    const result = requestFromCustomResource(cr, defaults);
    expect(result).toMatchObject({
      ok: true,
      request: {
        kind: "code",
        idempotencyKey: "kubernetes:0b5c-uid",
        source: { type: "kubernetes", namespace: "agents", name: "trader-task-1", uid: "0b5c-uid" },
        workingDirectory: "trader",
        model: "claude-opus-4-20250514",
        localTools: ["filesystem", "git"],
        remoteTools: ["brave-search_brave_web_search"],
        contextVersion: 2,
        continueSession: true,
        maxRetries: 1,
        docsBranch: "main",
        toolConfig: "default",
      },
    });
  });

  it("maps a DocsRun with the default model", () => {
    const cr: DocsRun = {
      apiVersion: "orchestrator.platform/v1",
      kind: "DocsRun",
      metadata,
      spec: {
        repositoryUrl: "https://github.com/5dlabs/platform.git",
        workingDirectory: "_projects/simple-api",
        sourceBranch: "main",
        githubUser: "swe-1-5dlabs",
      },
    };
    expect(requestFromCustomResource(cr, defaults)).toMatchObject({
      ok: true,
      request: { kind: "docs", model: "claude-opus-4-20250514", sourceBranch: "main" },
    });
  });

  it("rejects a spec that would put unsafe values into a script, naming the field", () => {
    const cr = {
      apiVersion: "orchestrator.platform/v1",
      kind: "DocsRun",
      metadata,
      spec: {
        repositoryUrl: "https://github.com/o/r.git",
        workingDirectory: "../etc",
        sourceBranch: "main; rm -rf /",
        githubUser: "u",
      },
    } as DocsRun;
    const result = requestFromCustomResource(cr, defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/sourceBranch|workingDirectory/);
  });

  it("names a bad env entry by its index, never repeating a key that is a pasted token", () => {
    const token = `ghp_${"Zq7x".repeat(9)}`;
    const cr = {
      apiVersion: "orchestrator.platform/v1",
      kind: "CodeRun",
      metadata,
      spec: {
        taskId: 1,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        githubUser: "swe-1-5dlabs",
        env: { LOG_LEVEL: "debug", [token]: 5 },
      },
    } as unknown as CodeRun;
    const result = requestFromCustomResource(cr, defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain("at env[1]");
      expect(result.message).not.toContain(token);
    }
  });
});
