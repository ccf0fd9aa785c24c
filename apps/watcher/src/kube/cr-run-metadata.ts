import type { RunRecord } from "@orchestrator/contracts";
import { ANNOTATIONS, LABELS, runLabels } from "@orchestrator/kube";

/**
 * Labels and annotation that tie a kubectl-applied DocsRun/CodeRun to the run carrying it out (the
 * first attempt, later each retry). `app.kubernetes.io/managed-by` is left alone: the object is the
 * user's, not the dispatcher's, and garbage collection must never take it for one of its own.
 */
export function customResourceRunMetadata(run: Pick<RunRecord, "id" | "request">): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const labels = runLabels(run);
  delete labels[LABELS.managedBy];
  return { labels, annotations: { [ANNOTATIONS.runId]: run.id } };
}
