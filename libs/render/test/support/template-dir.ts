import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REQUIRED_OUTPUTS } from "../../src/index.js";

/** Logical path of the template that renders `output` for `kind`. */
export function templatePathFor(kind: "docs" | "code", output: string): string {
  return output.startsWith("hooks-") ? `${kind}/hooks/${output.slice(6)}.hbs` : `${kind}/${output}.hbs`;
}

/**
 * A complete, tiny template set (every required output of both kinds) in the tree layout, with `overrides`
 * (logical path → source) on top. JSON outputs render `{}`, others the run id.
 */
export function writeTemplateDir(
  dir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const kind of ["docs", "code"] as const) {
    for (const output of REQUIRED_OUTPUTS[kind]) {
      sources[templatePathFor(kind, output)] = output.endsWith(".json") ? "{}\n" : `${output} {{run_id}}\n`;
    }
  }
  Object.assign(sources, overrides);
  for (const [path, source] of Object.entries(sources)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return sources;
}
