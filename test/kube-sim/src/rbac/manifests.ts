import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../types.js";

/** A manifest file or directory (its *.yaml/*.yml/*.json files, sorted), or objects already parsed. */
export type ManifestSource = string | object;

/** Parses multi-document YAML (e.g. the output of `kubectl kustomize`), flattening `List` objects. */
export function parseManifests(text: string, origin = "manifest"): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new Error(`${origin}: a document is not an object`);
    const obj = value as KubeObject;
    if (obj.kind?.endsWith("List") && Array.isArray(obj["items"]))
      out.push(...(obj["items"] as KubeObject[]));
    else out.push(obj);
  }
  return out;
}

async function readPath(path: string): Promise<KubeObject[]> {
  const info = await stat(path).catch(() => {
    throw new Error(`RBAC manifest path does not exist: ${path}`);
  });
  if (!info.isDirectory()) return parseManifests(await readFile(path, "utf8"), path);
  const files = (await readdir(path)).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort();
  const out: KubeObject[] = [];
  for (const f of files) out.push(...parseManifests(await readFile(join(path, f), "utf8"), join(path, f)));
  return out;
}

export async function readManifests(sources: readonly ManifestSource[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const s of sources) {
    if (typeof s === "string") out.push(...(await readPath(s)));
    else out.push(structuredClone(s) as KubeObject);
  }
  return out;
}
