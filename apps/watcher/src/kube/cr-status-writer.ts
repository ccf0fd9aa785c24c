import type { RunRecord } from "@orchestrator/contracts";
import { CODE_RUN, DOCS_RUN, type RunResource, type RunStatus } from "@orchestrator/kube";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { desiredCrStatus, statusChanged } from "./cr-status.js";
import type { KubeWriter } from "./kube-writer.js";

export interface CrStatusWriterDeps {
  writer: KubeWriter;
  log: Logger;
  statusPatches: Counter<"kind">;
  now: () => Date;
}

/**
 * Mirrors runs onto their DocsRun/CodeRun through the status subresource (merge patch), only when
 * the status would change. It remembers what it wrote, so an informer cache that has not caught up
 * with the last write does not cause the same patch again.
 */
export class CrStatusWriter {
  private readonly written = new Map<string, RunStatus>();

  constructor(private readonly deps: CrStatusWriterDeps) {}

  /** Returns true when a patch was sent. */
  async sync(run: RunRecord, resource: RunResource): Promise<boolean> {
    const { name, namespace, uid } = resource.metadata;
    if (!name || !namespace) return false;
    const key = `${resource.kind}/${namespace}/${name}/${uid ?? ""}`;
    const mine = this.written.get(key);
    const now = this.deps.now().toISOString();
    const desired = desiredCrStatus(run, mine ?? resource.status, now, resource.metadata.generation);
    if (!statusChanged(resource.status, desired)) return false;
    if (mine && !statusChanged(mine, desired)) return false;
    const status: RunStatus = { ...desired, lastUpdate: now };
    const plural = resource.kind === "CodeRun" ? CODE_RUN.plural : DOCS_RUN.plural;
    const patched = await this.deps.writer.patchCustomResource(
      { namespace, plural, name },
      { status },
      { status: true },
    );
    if (!patched) return false; // deleted meanwhile
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(key, status);
    this.deps.statusPatches.inc({ kind: run.kind });
    this.deps.log.debug({ runId: run.id, resource: key, phase: run.phase }, "custom resource status updated");
    return true;
  }

  forget(resource: RunResource): void {
    const { name, namespace, uid } = resource.metadata;
    this.written.delete(`${resource.kind}/${namespace}/${name}/${uid ?? ""}`);
  }
}
