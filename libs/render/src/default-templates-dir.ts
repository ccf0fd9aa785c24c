import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository's `templates/` directory, found by walking up from this file (so it also works when the
 * package is bundled or run from another working directory).
 * @throws Error when no ancestor holds `templates/docs` or `templates/code`
 */
export function defaultTemplatesDir(from: string = import.meta.url): string {
  let dir = dirname(from.startsWith("file:") ? fileURLToPath(from) : from);
  for (;;) {
    const candidate = join(dir, "templates");
    if (existsSync(join(candidate, "docs")) || existsSync(join(candidate, "code"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no templates/ directory above ${from}`);
    dir = parent;
  }
}
