import { isTerminalPhase } from "@orchestrator/contracts";
import {
  apiStatus,
  CODE_RUN,
  DOCS_RUN,
  LABELS,
  MANAGED_BY,
  MAX_NAME_LENGTH,
  type RunResource,
  toKubeName,
} from "@orchestrator/kube";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { runIdOf } from "../kube/kube-cache.js";
import type { KubeWriter } from "../kube/kube-writer.js";
import { toMillis } from "../kube/object-time.js";
import type { WatcherMetrics } from "../metrics.js";

export interface CustomResourceGcDeps {
  runStore: RunStore;
  orphanGraceMs: number;
  retentionMs: number;
  metrics: WatcherMetrics;
  log: Logger;
  now: () => Date;
}

export type CustomResourceGcReason = "run-gone" | "run-expired";

/**
 * The name the dispatcher gives the CR of a run it creates one for (`runObjectNames(run).customResource`
 * for runs not applied with kubectl). A kubectl-applied CR carries the user's name, so a CR whose name is
 * not this one was never the dispatcher's, whatever its labels say.
 */
export function dispatcherCustomResourceName(kind: "docs" | "code", runId: string): string {
  return toKubeName(`${kind}-${runId}`, MAX_NAME_LENGTH - "-files".length);
}

/**
 * Why a CR may be removed: it was created by the dispatcher (managed-by label and the dispatcher's
 * name for its run id), is older than the orphan grace, and its run record is gone (expired after
 * RUN_RETENTION) or its run ended more than RUN_RETENTION ago. Undefined: keep it.
 */
export async function customResourceGcReason(
  deps: CustomResourceGcDeps,
  resource: RunResource,
): Promise<CustomResourceGcReason | undefined> {
  const meta = resource.metadata;
  if (meta.deletionTimestamp || meta.labels?.[LABELS.managedBy] !== MANAGED_BY) return undefined;
  const runId = runIdOf(resource);
  const kind = resource.kind === CODE_RUN.kind ? "code" : "docs";
  if (!runId || meta.name !== dispatcherCustomResourceName(kind, runId)) return undefined;
  const now = deps.now().getTime();
  const created = toMillis(meta.creationTimestamp) ?? now;
  if (now - created < deps.orphanGraceMs) return undefined;
  const run = await deps.runStore.get(runId);
  if (!run) return "run-gone";
  if (run.request.source.type === "kubernetes" || !isTerminalPhase(run.phase)) return undefined;
  const ended = Date.parse(run.timeline.findLast((t) => t.phase === run.phase)?.at ?? run.updatedAt);
  return now - ended > deps.retentionMs ? "run-expired" : undefined;
}

/** Deletes the dispatcher's CRs of runs that are over (see {@link customResourceGcReason}). */
export async function collectCustomResources(
  deps: CustomResourceGcDeps,
  writer: KubeWriter,
  cache: { customResources(): RunResource[] },
): Promise<string[]> {
  const deleted: string[] = [];
  for (const resource of cache.customResources()) {
    const reason = await customResourceGcReason(deps, resource);
    const { name, namespace, uid } = resource.metadata;
    if (!reason || !name || !namespace) continue;
    try {
      const plural = resource.kind === CODE_RUN.kind ? CODE_RUN.plural : DOCS_RUN.plural;
      // the object looked at, not one re-created under the same name meanwhile
      if (!(await writer.deleteCustomResource({ namespace, plural, name }, uid))) continue;
    } catch (err) {
      const status = apiStatus(err);
      if (status === 404 || status === 409) continue;
      throw err;
    }
    deleted.push(`${resource.kind}/${name}`);
    deps.metrics.gcDeleted.inc({ resource: resource.kind === CODE_RUN.kind ? "coderun" : "docsrun", reason });
    deps.log.info(
      { resource: `${resource.kind} ${namespace}/${name}`, runId: runIdOf(resource), reason },
      "deleted the custom resource of a finished run",
    );
  }
  return deleted;
}
