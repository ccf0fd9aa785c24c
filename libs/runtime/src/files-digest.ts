import { createHash } from "node:crypto";
import type { RenderedFiles } from "@orchestrator/contracts";

/** sha256 over the files in key order, to tell a replayed dispatch from a changed render. */
export function filesDigest(files: RenderedFiles): string {
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
