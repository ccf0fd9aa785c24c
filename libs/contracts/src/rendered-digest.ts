import { createHash } from "node:crypto";
import type { RenderedFiles } from "./messages.js";

/**
 * sha256 (hex) over the files' keys and contents in key order: equal exactly when the files are equal.
 * The renderer puts it on the dispatch job; the runtime stamps it on the ConfigMap to tell a replay from a
 * changed render.
 */
export function renderedDigest(files: RenderedFiles): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(files).sort()) {
    hash
      .update(key)
      .update("\0")
      .update(files[key] ?? "")
      .update("\0");
  }
  return hash.digest("hex");
}
