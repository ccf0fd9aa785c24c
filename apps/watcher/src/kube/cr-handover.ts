import type { RunRecord } from "@orchestrator/contracts";
import type { RunResource } from "@orchestrator/kube";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { customResourceRunMetadata } from "./cr-run-metadata.js";
import { pluralOf } from "./kube-api-helpers.js";
import { runIdOf } from "./kube-cache.js";
import type { KubeReader } from "./kube-reader.js";
import type { KubeWriter } from "./kube-writer.js";

export interface CrHandoverDeps {
  writer: KubeWriter;
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
    namespace: resource.metadata.namespace ?? source.namespace,
    plural: resource.kind === "CodeRun" ? pluralOf("code") : pluralOf("docs"),
    name: resource.metadata.name ?? source.name,
  };
  const body = { metadata: customResourceRunMetadata(run) };
  const patched = await deps.writer.patchCustomResource(ref, body, { status: false });
  if (patched)
    deps.log.info(
      { runId: run.id, previousRunId: named, resource: `${resource.kind} ${ref.namespace}/${ref.name}` },
      "custom resource handed over to the next attempt",
    );
  return patched;
}

/** Reads a kubectl-applied run's CR fresh (the cache may not have it yet). */
export async function readCustomResource(
  reader: KubeReader,
  run: RunRecord,
): Promise<RunResource | undefined> {
  const source = run.request.source;
  if (source.type !== "kubernetes") return undefined;
  return reader.customResource(source.namespace, pluralOf(run.kind), source.name);
}
