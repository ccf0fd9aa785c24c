import { renderedDigest } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../test/support/git-fixtures.js";
import { codeRequest, docsRequest, FIXED_RUN } from "../test/support/requests.js";
import { writeTemplateDir } from "../test/support/template-dir.js";
import { createRenderer } from "./create-renderer.js";
import { InvalidJsonOutputError } from "./invalid-json-output-error.js";
import { MissingTemplateKeyError } from "./missing-template-key-error.js";
import { RenderTooLargeError } from "./render-too-large-error.js";
import { TemplateNotFoundError } from "./template-not-found-error.js";

async function rendererFor(overrides: Record<string, string>, maxRenderedBytes?: number) {
  const dir = makeTempDir("render");
  writeTemplateDir(dir, overrides);
  return createRenderer({ templatesDir: dir, settings: maxRenderedBytes ? { maxRenderedBytes } : {} });
}

describe("renderRun", () => {
  it("fails on an unknown key, naming the template and the key", async () => {
    const renderer = await rendererFor({ "docs/CLAUDE.md.hbs": "Repository: {{repo_url}}\n" });
    expect(() => renderer.render(docsRequest(), FIXED_RUN)).toThrow(
      expect.objectContaining({
        name: "MissingTemplateKeyError",
        template: "docs/CLAUDE.md.hbs",
        key: "repo_url",
      }),
    );
    expect(() => renderer.render(docsRequest(), FIXED_RUN)).toThrow(MissingTemplateKeyError);
  });

  it("fails when a .json output does not parse, naming the file", async () => {
    const renderer = await rendererFor({ "code/mcp.json.hbs": `{ "url": {{toolman_server_url}} }` });
    expect(() => renderer.render(codeRequest(), FIXED_RUN)).toThrow(InvalidJsonOutputError);
    expect(() => renderer.render(codeRequest(), FIXED_RUN)).toThrow(
      expect.objectContaining({ template: "code/mcp.json.hbs", key: "mcp.json", file: "mcp.json" }),
    );
  });

  it("fails when a required template is missing", async () => {
    const dir = makeTempDir("render-missing");
    writeTemplateDir(dir);
    const { rmSync } = await import("node:fs");
    rmSync(`${dir}/code/hooks`, { recursive: true });
    const renderer = await createRenderer({ templatesDir: dir });
    expect(() => renderer.render(codeRequest(), FIXED_RUN)).toThrow(TemplateNotFoundError);
    expect(() => renderer.render(codeRequest(), FIXED_RUN)).toThrow("code/hooks/stop-pr-creation.sh.hbs");
    expect(renderer.render(docsRequest(), FIXED_RUN).files["container.sh"]).toBeDefined();
  });

  it("fails when the files would not fit in a ConfigMap, with the sizes", async () => {
    const renderer = await rendererFor({ "code/prompt.md.hbs": "{{instructions}}" }, 20_000);
    const request = codeRequest({ instructions: "x".repeat(30_000) });
    let caught: unknown;
    try {
      renderer.render(request, FIXED_RUN);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RenderTooLargeError);
    const err = caught as RenderTooLargeError;
    expect(err.limitBytes).toBe(20_000);
    expect(err.totalBytes).toBeGreaterThan(30_000);
    expect(err.sizes[0]).toEqual({ file: "prompt.md", bytes: 30_000 + "prompt.md".length });
    expect(err.key).toBe("prompt.md");
  });

  it("is deterministic: two renderers give byte-identical files and digests for the same input", async () => {
    const a = await createRenderer();
    const b = await createRenderer();
    for (const request of [docsRequest(), codeRequest({ toolConfig: "advanced" })]) {
      const first = a.render(request, FIXED_RUN);
      const second = b.render(request, FIXED_RUN);
      expect(second.files).toEqual(first.files);
      expect(second.digest).toBe(first.digest);
      expect(first.digest).toBe(renderedDigest(first.files));
      expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
      const later = a.render(request, {
        ...FIXED_RUN,
        now: new Date("2025-07-27T00:00:00Z"),
        runId: "run-other",
      });
      expect(later.digest).not.toBe(first.digest);
    }
    a.close();
    b.close();
  });

  it("digests do not depend on key order", () => {
    expect(renderedDigest({ a: "1", b: "2" })).toBe(renderedDigest({ b: "2", a: "1" }));
    expect(renderedDigest({ a: "1", b: "2" })).not.toBe(renderedDigest({ a: "12", b: "" }));
  });
});
