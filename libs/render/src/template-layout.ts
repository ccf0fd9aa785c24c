import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RunKind } from "@orchestrator/contracts";
import { TemplateStoreError } from "./template-store-error.js";

/**
 * `tree`: the repository layout, `docs/*.hbs`, `docs/hooks/*.hbs`, `code/...`, `partials/*.hbs`.
 * `configmap`: the same files flattened into one directory with `/` replaced by `_`
 * (`code_container.sh.hbs`, `code_hooks_stop-pr-creation.sh.hbs`, `partials_agent-lib.sh.hbs`),
 * as a ConfigMap volume mounts them.
 */
export type TemplateLayout = "tree" | "configmap";

/** What a template file is for. */
export type TemplateRole =
  | { type: "output"; kind: RunKind; output: string }
  | { type: "partial"; name: string };

export interface TemplateFile {
  /** path in the tree layout, e.g. `code/hooks/stop-pr-creation.sh.hbs` */
  logicalPath: string;
  /** where the file is on disk */
  filePath: string;
  role: TemplateRole;
}

export interface TemplateListing {
  layout: TemplateLayout;
  files: TemplateFile[];
  /** directories to watch for changes */
  watchDirs: string[];
}

const KINDS: readonly RunKind[] = ["docs", "code"];
const NAME = "[-._a-zA-Z0-9]+";
const OUTPUT_RE = new RegExp(`^(docs|code)/(${NAME})\\.hbs$`);
const HOOK_RE = new RegExp(`^(docs|code)/hooks/(${NAME})\\.hbs$`);
const PARTIAL_RE = /^partials\/([-a-zA-Z0-9]+)(?:\.[-._a-zA-Z0-9]+)?\.hbs$/;
const FLAT_RE = /^(docs|code|partials)_(.+\.hbs)$/;

/**
 * `docs/container.sh.hbs` renders to `container.sh`, `code/hooks/x.sh.hbs` to `hooks-x.sh`, and
 * `partials/agent-lib.sh.hbs` is the partial `agent-lib` (`{{> agent-lib}}`). Anything else is not a template.
 */
export function classifyTemplatePath(logicalPath: string): TemplateRole | undefined {
  const hook = HOOK_RE.exec(logicalPath);
  if (hook) return { type: "output", kind: hook[1] as RunKind, output: `hooks-${hook[2]}` };
  const output = OUTPUT_RE.exec(logicalPath);
  if (output) return { type: "output", kind: output[1] as RunKind, output: output[2] as string };
  const partial = PARTIAL_RE.exec(logicalPath);
  if (partial) return { type: "partial", name: partial[1] as string };
  return undefined;
}

/** `code_hooks_stop-pr-creation.sh.hbs` → `code/hooks/stop-pr-creation.sh.hbs`; other names → undefined. */
export function flattenedKeyToPath(key: string): string | undefined {
  const match = FLAT_RE.exec(key);
  if (!match) return undefined;
  const [, prefix, rest] = match as unknown as [string, string, string];
  if (prefix !== "partials" && rest.startsWith("hooks_"))
    return `${prefix}/hooks/${rest.slice("hooks_".length)}`;
  return `${prefix}/${rest}`;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function filesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: string[] = [];
  for (const name of names.sort()) {
    // ConfigMap volumes keep their real files under `..<timestamp>/` and `..data`; keys are symlinks.
    if (name.startsWith(".")) continue;
    if (await isFile(join(dir, name))) files.push(name);
  }
  return files;
}

/** Finds the templates in `dir`, detecting the layout. */
export async function listTemplateFiles(dir: string): Promise<TemplateListing> {
  if (!(await isDirectory(dir))) throw new TemplateStoreError("template directory does not exist", dir);
  const hasTree = (await Promise.all(KINDS.map((kind) => isDirectory(join(dir, kind))))).some(Boolean);
  if (hasTree) {
    const files: TemplateFile[] = [];
    const watchDirs = [dir];
    for (const sub of ["docs", "docs/hooks", "code", "code/hooks", "partials"]) {
      const abs = join(dir, sub);
      if (!(await isDirectory(abs))) continue;
      watchDirs.push(abs);
      for (const name of await filesIn(abs)) {
        const logicalPath = `${sub}/${name}`;
        const role = classifyTemplatePath(logicalPath);
        if (role) files.push({ logicalPath, filePath: join(abs, name), role });
      }
    }
    return { layout: "tree", files, watchDirs };
  }
  const files: TemplateFile[] = [];
  for (const name of await filesIn(dir)) {
    const logicalPath = flattenedKeyToPath(name);
    const role = logicalPath === undefined ? undefined : classifyTemplatePath(logicalPath);
    if (logicalPath !== undefined && role) files.push({ logicalPath, filePath: join(dir, name), role });
  }
  if (files.length === 0) {
    throw new TemplateStoreError(
      "no templates found (expected docs/, code/ or flattened docs_*.hbs keys)",
      dir,
    );
  }
  return { layout: "configmap", files, watchDirs: [dir] };
}
