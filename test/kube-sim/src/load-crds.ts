import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "./types.js";

/**
 * Reads every *.yaml / *.yml file of `dir` (multi-document files allowed) and returns the
 * CustomResourceDefinition documents, sorted by file name. A missing directory yields [].
 */
export async function loadCrdsFromDir(dir: string): Promise<KubeObject[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.ya?ml$/i.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const crds: KubeObject[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
      const value = doc.toJS() as unknown;
      if (value && typeof value === "object" && (value as KubeObject).kind === "CustomResourceDefinition") {
        crds.push(value as KubeObject);
      }
    }
  }
  return crds;
}
