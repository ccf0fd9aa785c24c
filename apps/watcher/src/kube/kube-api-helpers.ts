import type { V1Job } from "@kubernetes/client-node";
import { CODE_RUN, DOCS_RUN } from "@orchestrator/kube";
import type { KubeReader } from "./kube-reader.js";

/** Whether a Job may still start or run a pod (it has not finished). */
export function jobActive(job: V1Job): boolean {
  const conditions = job.status?.conditions ?? [];
  return !conditions.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/** The CR plural of a run kind. */
export function pluralOf(kind: "docs" | "code"): string {
  return kind === "code" ? CODE_RUN.plural : DOCS_RUN.plural;
}

/**
 * Whether a run's DocsRun/CodeRun is gone or being deleted (a fresh GET): deleting the CR takes its
 * Job and pod with it, and that must read as a cancel, not as a failure.
 */
export async function customResourceGone(
  reader: KubeReader,
  namespace: string,
  kind: "docs" | "code",
  name: string,
): Promise<boolean> {
  try {
    const resource = await reader.customResource(namespace, pluralOf(kind), name);
    return !resource || Boolean(resource.metadata.deletionTimestamp);
  } catch {
    return false;
  }
}
