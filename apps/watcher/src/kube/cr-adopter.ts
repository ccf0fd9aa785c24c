import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { isTerminalPhase, type QUEUES, type RunRecord } from "@orchestrator/contracts";
import {
  apiStatus,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  DOCS_RUN,
  type KubeClients,
  type RunResource,
  runObjectNames,
} from "@orchestrator/kube";
import { PolicyRefusedError, type RunPolicy } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Logger } from "pino";
import { type CrRequestDefaults, type CrRequestResult, requestFromCustomResource } from "./cr-request.js";
import { customResourceRunMetadata } from "./cr-run-metadata.js";
import type { CrStatusWriter } from "./cr-status-writer.js";
import { deleteJob } from "./kube-api-helpers.js";
import { runIdOf } from "./kube-cache.js";

const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface CrAdopterDeps {
  runStore: RunStore;
  renderQueue: TypedQueue<typeof QUEUES.render>;
  controlQueue: TypedQueue<typeof QUEUES.control>;
  clients: KubeClients;
  statusWriter: CrStatusWriter;
  defaults: CrRequestDefaults;
  /** the trust-boundary policy every run request passes (a refused CR is marked Failed) */
  policy: RunPolicy;
  log: Logger;
  now: () => Date;
}

const ref = (resource: RunResource) => ({
  group: CRD_GROUP,
  version: CRD_VERSION,
  namespace: resource.metadata.namespace ?? "default",
  plural: resource.kind === "CodeRun" ? CODE_RUN.plural : DOCS_RUN.plural,
  name: resource.metadata.name ?? "",
});

/**
 * DocsRun/CodeRun objects applied with kubectl become runs like any other: a run record (keyed by
 * the CR's uid, so seeing the CR again is harmless), the run id stamped on the CR as label,
 * annotation and `status.runId`, and a render job. Deleting a CR cancels its run.
 */
export class CrAdopter {
  constructor(private readonly deps: CrAdopterDeps) {}

  /** Whether a CR still has to be fed into the pipeline. */
  static needsAdoption(resource: RunResource): boolean {
    return !runIdOf(resource) && !resource.status?.runId && !resource.metadata.deletionTimestamp;
  }

  async adopt(resource: RunResource): Promise<RunRecord | undefined> {
    if (!CrAdopter.needsAdoption(resource)) return undefined;
    const { runStore, log } = this.deps;
    const where = `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name}`;
    const mapped = this.checked(requestFromCustomResource(resource, this.deps.defaults));
    if (!mapped.ok) {
      if (resource.status?.message !== mapped.message) {
        log.warn(
          { resource: where, reason: mapped.message },
          "rejected a custom resource applied with kubectl",
        );
        await this.patch(
          resource,
          { status: { phase: "Failed", message: mapped.message, lastUpdate: this.deps.now().toISOString() } },
          true,
        );
      }
      return undefined;
    }
    const created = await runStore.create({
      request: mapped.request,
      runtime: "kubernetes",
      reason: `${where} applied with kubectl`,
    });
    let run = created.run;
    if (!run.links.customResource) {
      run = await runStore.update(run.id, (r) => ({
        ...r,
        links: { ...r.links, namespace: ref(resource).namespace, customResource: ref(resource).name },
      }));
    }
    if (!(await this.patch(resource, { metadata: customResourceRunMetadata(run) }, false))) {
      await runStore.tryTransition(run.id, "Cancelled", `${where} was deleted before the run started`);
      return run;
    }
    await this.deps.statusWriter.sync(run, resource);
    await this.deps.renderQueue.add("render", { runId: run.id }, { jobId: run.id });
    log.info(
      { runId: run.id, resource: where, outcome: created.outcome },
      "custom resource applied with kubectl joined the pipeline",
    );
    return run;
  }

  /**
   * The CR of a run was deleted: its current attempt is cancelled (its Job is deleted, the dispatcher
   * told). The CR names the current attempt; should it still name a retried one, the retries are followed.
   */
  async deleted(resource: RunResource): Promise<void> {
    const { runStore } = this.deps;
    const named =
      runIdOf(resource) ??
      resource.status?.runId ??
      (await runStore.findByIdempotencyKey(`kubernetes:${resource.metadata.uid}`))?.id;
    if (!named) return;
    let run = await runStore.get(named);
    for (let hops = 0; run?.retriedBy && hops < 50; hops++) {
      const next = await runStore.get(run.retriedBy);
      if (!next) break;
      run = next;
    }
    const runId = run?.id ?? named;
    // already cancelled (the Job's deletion may have been seen first): still tell the dispatcher
    if (!run || (isTerminalPhase(run.phase) && run.phase !== "Cancelled")) return;
    const where = `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name}`;
    const reason = `cancelled: ${where} was deleted`;
    const at = this.deps.now().toISOString();
    await runStore.update(runId, (r) => (r.cancelRequestedAt ? r : { ...r, cancelRequestedAt: at }));
    const cancelled = await runStore.tryTransition(runId, "Cancelled", reason);
    // the CR owned the Job, so Kubernetes collects it too; deleting it here does not wait for that
    await deleteJob(
      this.deps.clients,
      run.links.namespace ?? ref(resource).namespace,
      run.links.job ?? runObjectNames(run).job,
    );
    await this.deps.controlQueue.add(
      "cancel",
      { action: "cancel", runId, reason },
      { jobId: `cancel-${runId}` },
    );
    this.deps.log.info(
      { runId, resource: where, phase: cancelled?.phase },
      "run cancelled because its custom resource was deleted",
    );
  }

  /** A request the policy refuses becomes a rejection naming the rule (like an invalid spec). */
  private checked(mapped: CrRequestResult): CrRequestResult {
    if (!mapped.ok) return mapped;
    try {
      this.deps.policy.check(mapped.request);
      return mapped;
    } catch (err) {
      if (err instanceof PolicyRefusedError) return { ok: false, message: `refused: ${err.message}` };
      throw err;
    }
  }

  /** Merge-patches the CR (or its status); false when it no longer exists. */
  private async patch(resource: RunResource, body: object, status: boolean): Promise<boolean> {
    try {
      const request = { ...ref(resource), body };
      if (status) await this.deps.clients.custom.patchNamespacedCustomObjectStatus(request, MERGE_PATCH);
      else await this.deps.clients.custom.patchNamespacedCustomObject(request, MERGE_PATCH);
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }
}
