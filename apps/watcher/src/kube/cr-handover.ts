import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import {
  apiStatus,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  DOCS_RUN,
  type KubeClients,
  type RunResource,
} from "@orchestrator/kube";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { customResourceRunMetadata } from "./cr-run-metadata.js";
import { runIdOf } from "./kube-cache.js";

const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface CrHandoverDeps {
  clients: KubeClients;
  runStore: RunStore;
  log: Logger;
}

/**
 * A retry of a run that came from a kubectl-applied CR reuses that CR: its run-id label and
 * annotation move to the newest attempt, so its status follows that attempt and deleting it cancels
 * that attempt. Only ever forward: the CR moves when the run it names is gone, was retried, or is an
 * earlier attempt. Returns the patched resource, or undefined when `run` does not own it.
 */
export async function handOverCustomResource(
  deps: CrHandoverDeps,
  run: RunRecord,
  resource: RunResource,
): Promise<RunResource | undefined> {
  const source = run.request.source;
  if (source.type !== "kubernetes" || source.uid !== resource.metadata.uid) return undefined;
  if (run.retriedBy || resource.metadata.deletionTimestamp) return undefined;
  const named = runIdOf(resource);
  if (named === run.id) return resource;
  if (named) {
    const current = await deps.runStore.get(named);
    if (current && !current.retriedBy && current.attempt >= run.attempt) return undefined;
  }
  const ref = {
    group: CRD_GROUP,
    version: CRD_VERSION,
    namespace: resource.metadata.namespace ?? source.namespace,
    plural: resource.kind === "CodeRun" ? CODE_RUN.plural : DOCS_RUN.plural,
    name: resource.metadata.name ?? source.name,
  };
  try {
    const body = { metadata: customResourceRunMetadata(run) };
    const patched = (await deps.clients.custom.patchNamespacedCustomObject(
      { ...ref, body },
      MERGE_PATCH,
    )) as RunResource;
    deps.log.info(
      { runId: run.id, previousRunId: named, resource: `${resource.kind} ${ref.namespace}/${ref.name}` },
      "custom resource handed over to the next attempt",
    );
    return patched;
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  }
}

/** Reads a kubectl-applied run's CR fresh (the cache may not have it yet). */
export async function readCustomResource(
  clients: KubeClients,
  run: RunRecord,
): Promise<RunResource | undefined> {
  const source = run.request.source;
  if (source.type !== "kubernetes") return undefined;
  try {
    return (await clients.custom.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace: source.namespace,
      plural: run.kind === "code" ? CODE_RUN.plural : DOCS_RUN.plural,
      name: source.name,
    })) as RunResource;
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  }
}
