import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../test/support/git-fixtures.js";
import { writeTemplateDir } from "../test/support/template-dir.js";
import { defaultTemplatesDir } from "./default-templates-dir.js";
import { flattenedKeyToPath } from "./template-layout.js";
import { loadTemplateSet } from "./template-set.js";
import { openTemplateStore, type TemplateStore } from "./template-store.js";
import { TemplateSyntaxError } from "./template-syntax-error.js";

const RUN_CONTEXT = { run_id: "r1" };

function output(store: TemplateStore, kind: "docs" | "code", key: string): string {
  const template = store.current().templates[kind].find((t) => t.output === key);
  if (!template) throw new Error(`no ${kind} ${key}`);
  return template.render(RUN_CONTEXT);
}

/** Lays `sources` out as the kubelet mounts a ConfigMap: `..<ts>/` with the files, `..data` → it, keys → `..data/key`. */
function writeConfigMapVersion(dir: string, version: string, sources: Record<string, string>): void {
  const data = join(dir, `..${version}`);
  mkdirSync(data, { recursive: true });
  for (const [path, source] of Object.entries(sources))
    writeFileSync(join(data, path.replaceAll("/", "_")), source);
  const tmpLink = join(dir, "..data_tmp");
  symlinkSync(`..${version}`, tmpLink);
  renameSync(tmpLink, join(dir, "..data"));
  for (const path of Object.keys(sources)) {
    const key = path.replaceAll("/", "_");
    try {
      symlinkSync(join("..data", key), join(dir, key));
    } catch {
      // the key link already points through ..data
    }
  }
}

function nextReload(store: { reloads: number }, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (store.reloads >= count) resolve();
      else if (Date.now() - started > 5000) reject(new Error("no reload within 5 s"));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe("template store", () => {
  const stores: TemplateStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });

  it("maps flattened ConfigMap keys back to template paths", () => {
    expect(flattenedKeyToPath("code_container.sh.hbs")).toBe("code/container.sh.hbs");
    expect(flattenedKeyToPath("code_hooks_stop-pr-creation.sh.hbs")).toBe(
      "code/hooks/stop-pr-creation.sh.hbs",
    );
    expect(flattenedKeyToPath("docs_CLAUDE.md.hbs")).toBe("docs/CLAUDE.md.hbs");
    expect(flattenedKeyToPath("partials_agent-common.sh.hbs")).toBe("partials/agent-common.sh.hbs");
    expect(flattenedKeyToPath("..data")).toBeUndefined();
    expect(flattenedKeyToPath("README.md")).toBeUndefined();
  });

  it("loads the repository's templates in the tree layout with their partials and hooks", async () => {
    const set = await loadTemplateSet(defaultTemplatesDir());
    expect(set.layout).toBe("tree");
    expect(set.partials).toEqual(["agent-common", "agent-git", "agent-runtime"]);
    expect(set.templates.docs.map((t) => t.output)).toEqual([
      "CLAUDE.md",
      "container.sh",
      "hooks-stop-pr-creation.sh",
      "prompt.md",
      "settings.json",
    ]);
    expect(set.templates.code.map((t) => t.output)).toContain("hooks-stop-pr-creation.sh");
  });

  it("loads the same templates from a flattened ConfigMap mount and renders them identically", async () => {
    const tree = makeTempDir("tree");
    const sources = writeTemplateDir(tree, {
      "partials/sig.md.hbs": "[{{run_id}}]",
      "docs/CLAUDE.md.hbs": "{{> sig}}",
    });
    const mount = makeTempDir("cm");
    writeConfigMapVersion(mount, "2025_07_26_12_00_00.000000001", sources);

    const fromTree = await loadTemplateSet(tree);
    const fromMount = await loadTemplateSet(mount);

    expect(fromMount.layout).toBe("configmap");
    expect(fromMount.version).toBe(fromTree.version);
    const render = (set: typeof fromTree) => set.templates.docs.map((t) => [t.output, t.render(RUN_CONTEXT)]);
    expect(render(fromMount)).toEqual(render(fromTree));
    expect(render(fromMount)).toContainEqual(["CLAUDE.md", "[r1]"]);
  });

  it("reloads after a ConfigMap update swaps the ..data symlink", async () => {
    const mount = makeTempDir("cm-watch");
    const sources = writeTemplateDir(makeTempDir("src"), { "docs/CLAUDE.md.hbs": "v1" });
    writeConfigMapVersion(mount, "v1", sources);
    const seen = { reloads: 0 };
    const store = await openTemplateStore({
      dir: mount,
      watch: true,
      debounceMs: 20,
      onReload: () => seen.reloads++,
    });
    stores.push(store);
    expect(output(store, "docs", "CLAUDE.md")).toBe("v1");

    writeConfigMapVersion(mount, "v2", { ...sources, "docs/CLAUDE.md.hbs": "v2" });
    rmSync(join(mount, "..v1"), { recursive: true });
    await nextReload(seen, 1);

    expect(output(store, "docs", "CLAUDE.md")).toBe("v2");
  });

  it("reloads when a file of the tree changes, and keeps the old templates when the new ones do not compile", async () => {
    const dir = makeTempDir("tree-watch");
    writeTemplateDir(dir, { "code/CLAUDE.md.hbs": "one" });
    const seen = { reloads: 0 };
    const errors: unknown[] = [];
    const store = await openTemplateStore({
      dir,
      watch: true,
      debounceMs: 20,
      onReload: () => seen.reloads++,
      onError: (err) => errors.push(err),
    });
    stores.push(store);

    writeFileSync(join(dir, "code", "CLAUDE.md.hbs"), "two");
    await nextReload(seen, 1);
    expect(output(store, "code", "CLAUDE.md")).toBe("two");

    writeFileSync(join(dir, "code", "CLAUDE.md.hbs"), "{{#if broken}}");
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(TemplateSyntaxError);
    expect(output(store, "code", "CLAUDE.md")).toBe("two");
    await expect(store.reload()).rejects.toBeInstanceOf(TemplateSyntaxError);
  });

  it("picks up a new hook directory, reloads on demand, and stops watching after close()", async () => {
    const dir = makeTempDir("tree-close");
    writeTemplateDir(dir);
    const seen = { reloads: 0 };
    const store = await openTemplateStore({
      dir,
      watch: true,
      debounceMs: 20,
      onReload: () => seen.reloads++,
    });
    stores.push(store);

    mkdirSync(join(dir, "docs", "hooks"), { recursive: true });
    writeFileSync(join(dir, "docs", "hooks", "extra.sh.hbs"), "extra");
    await expect.poll(() => output(store, "docs", "hooks-extra.sh").length, { timeout: 5000 }).toBe(5);

    writeFileSync(join(dir, "docs", "prompt.md.hbs"), "explicit");
    await store.reload();
    expect(output(store, "docs", "prompt.md")).toBe("explicit");

    store.close();
    store.close();
    const before = seen.reloads;
    writeFileSync(join(dir, "docs", "prompt.md.hbs"), "after close");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.reloads).toBe(before);
    expect(readFileSync(join(dir, "docs", "prompt.md.hbs"), "utf8")).toBe("after close");
    expect(output(store, "docs", "prompt.md")).toBe("explicit");
  });
});
