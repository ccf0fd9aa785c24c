import type { V1Job } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import { runObjectNames } from "@orchestrator/kube";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";

/**
 * A run whose Job exists but which is still Queued/Rendering: the dispatcher created the Job and died
 * (or is slow) before recording `Dispatched`. The watcher records it with the same links the
 * dispatcher would, so the run is followed from the moment its Job exists. Returns the moved run, or
 * undefined when another service moved it first (then the next reconcile reads the new phase).
 */
export async function recordDispatched(
  deps: { runStore: RunStore; log: Logger },
  run: RunRecord,
  job: V1Job,
  namespace: string,
): Promise<RunRecord | undefined> {
  const names = runObjectNames(run);
  const links = {
    namespace,
    job: job.metadata?.name ?? names.job,
    configMap: run.links.configMap ?? names.configMap,
    customResource: run.links.customResource ?? names.customResource,
  };
  const moved = await deps.runStore.tryTransition(
    run.id,
    "Dispatched",
    `Job ${links.job} exists in namespace ${namespace} (recorded by the watcher)`,
    { links },
  );
  if (moved)
    deps.log.info(
      { runId: run.id, from: run.phase, job: links.job },
      "recorded Dispatched for an existing Job",
    );
  return moved;
}
