import type { V1ConfigMap, V1OwnerReference } from "@kubernetes/client-node";
import type { RenderedFiles, RunRecord } from "@orchestrator/contracts";
import { ANNOTATIONS, runLabels } from "./labels.js";

/** Kubernetes rejects ConfigMaps over 1 MiB (the whole object, so keep a margin for metadata). */
export const MAX_CONFIG_MAP_DATA_BYTES = 1024 * 1024 - 16 * 1024;

export interface BuildConfigMapInput {
  run: Pick<RunRecord, "id" | "request">;
  name: string;
  namespace: string;
  files: RenderedFiles;
  /** sha256 of the files (from the dispatch message) */
  digest: string;
  owner?: V1OwnerReference;
}

/** Total size of the files as stored in a ConfigMap (keys and UTF-8 values). */
export function configMapDataBytes(files: RenderedFiles): number {
  let total = 0;
  for (const [key, value] of Object.entries(files))
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

/** The ConfigMap holding the rendered files, mounted at `/config` in the agent's pod. */
export function buildConfigMap(input: BuildConfigMapInput): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: runLabels(input.run),
      annotations: { [ANNOTATIONS.runId]: input.run.id, [ANNOTATIONS.filesDigest]: input.digest },
      ...(input.owner ? { ownerReferences: [input.owner] } : {}),
    },
    data: { ...input.files },
  };
}
