import { createHash } from "node:crypto";
import type { RenderedFiles } from "@orchestrator/contracts";

/** sha256 (hex) over the files' keys and contents in key order: equal exactly when the files are equal. */
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
