import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { RunKind } from "@orchestrator/contracts";
import { type CompiledTemplate, compileStrict, createHandlebars } from "./strict-compile.js";
import { listTemplateFiles, type TemplateLayout } from "./template-layout.js";
import { TemplateStoreError } from "./template-store-error.js";

export interface LoadedTemplate {
  /** logical path, e.g. `docs/container.sh.hbs` (used in error messages) */
  name: string;
  /** output key, e.g. `container.sh`, `hooks-stop-pr-creation.sh` */
  output: string;
  render: CompiledTemplate;
}

/** Every template of a directory, parsed and compiled, on its own Handlebars instance. */
export interface TemplateSet {
  readonly dir: string;
  readonly layout: TemplateLayout;
  /** per run kind, sorted by output key */
  readonly templates: Readonly<Record<RunKind, readonly LoadedTemplate[]>>;
  readonly partials: readonly string[];
  /** sha256 over the template sources: changes exactly when a template changes */
  readonly version: string;
  /** directories a watcher must observe to see every change */
  readonly watchDirs: readonly string[];
}

/**
 * Reads and compiles the templates in `dir` (either layout).
 * @throws TemplateStoreError if the directory has no templates or two files claim one name
 * @throws TemplateSyntaxError naming the first file that does not parse
 */
export async function loadTemplateSet(dir: string): Promise<TemplateSet> {
  const listing = await listTemplateFiles(dir);
  const hb = createHandlebars();
  const hash = createHash("sha256");
  const templates: Record<RunKind, LoadedTemplate[]> = { docs: [], code: [] };
  const partials = new Map<string, string>();
  const files = [...listing.files].sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1));
  for (const file of files) {
    const source = await readFile(file.filePath, "utf8");
    hash.update(file.logicalPath).update("\0").update(source).update("\0");
    const render = compileStrict(hb, file.logicalPath, source);
    if (file.role.type === "partial") {
      const previous = partials.get(file.role.name);
      if (previous) {
        throw new TemplateStoreError(
          `partial "${file.role.name}" defined by ${previous} and ${file.logicalPath}`,
          dir,
        );
      }
      partials.set(file.role.name, file.logicalPath);
      hb.registerPartial(file.role.name, render);
      continue;
    }
    const list = templates[file.role.kind];
    const output = file.role.output;
    if (list.some((t) => t.output === output)) {
      throw new TemplateStoreError(`two templates render ${file.role.kind} output ${output}`, dir);
    }
    list.push({ name: file.logicalPath, output, render });
  }
  for (const list of Object.values(templates)) list.sort((a, b) => (a.output < b.output ? -1 : 1));
  return {
    dir,
    layout: listing.layout,
    templates,
    partials: [...partials.keys()].sort(),
    version: hash.digest("hex"),
    watchDirs: listing.watchDirs,
  };
}
