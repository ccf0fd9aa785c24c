import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import {
  ANNOTATIONS,
  apiStatus,
  buildWorkspacePvc,
  type KubeClients,
  type WorkspacePvcSettings,
  workspacePvcName,
} from "@orchestrator/kube";
import type { Logger } from "pino";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import { requireWorkspaceOwner, workspaceOwnerOf } from "../workspace-owner.js";

export interface WorkspaceClaimContext {
  clients: KubeClients;
  settings: WorkspacePvcSettings;
  log: Logger;
  /** one API call with the runtime's retry policy */
  call<T>(verb: string, fn: () => Promise<T>): Promise<T>;
  /** turns a non-retryable API answer into a permanent failure */
  classify(err: unknown, what: string): unknown;
}

/**
 * Makes sure the service's workspace PVC exists and belongs to the run's GitHub user. A new claim is
 * created with its owner annotation; an existing claim without one (made before owners were recorded) is
 * adopted by this run's user; a claim of another user fails the run for good (`workspace-owned`).
 * The annotation is written with the claim's resourceVersion, so of two users adopting one claim at the
 * same time exactly one wins and the other is refused.
 */
export async function ensureWorkspaceClaim(
  ctx: WorkspaceClaimContext,
  run: Pick<RunRecord, "id" | "request">,
  service: string,
  namespace: string,
): Promise<void> {
  const owner = workspaceOwnerOf(run).githubUser;
  const name = workspacePvcName(service);
  const core = ctx.clients.core;
  const body = buildWorkspacePvc(service, namespace, ctx.settings, owner);
  try {
    await ctx.call("create", () => core.createNamespacedPersistentVolumeClaim({ namespace, body }));
    ctx.log.info({ namespace, pvc: name, owner }, "created workspace volume claim");
    return;
  } catch (err) {
    if (apiStatus(err) === 404) {
      throw new PermanentDispatchError(
        "missing-namespace",
        `namespace "${namespace}" does not exist: create it (kubectl create namespace ${namespace}) or set KUBERNETES_NAMESPACE`,
        { cause: err },
      );
    }
    // the workspace outlives runs: an existing claim is the normal case
    if (apiStatus(err) !== 409) throw ctx.classify(err, `creating PersistentVolumeClaim ${name}`);
  }
  for (let attempt = 1; ; attempt++) {
    let current: V1PersistentVolumeClaim;
    try {
      current = await ctx.call("get", () => core.readNamespacedPersistentVolumeClaim({ name, namespace }));
    } catch (err) {
      throw ctx.classify(err, `reading PersistentVolumeClaim ${name}`);
    }
    const recorded = current.metadata?.annotations?.[ANNOTATIONS.workspaceOwner];
    if (recorded) {
      requireWorkspaceOwner(name, recorded, run);
      return;
    }
    const adopted: V1PersistentVolumeClaim = {
      ...current,
      metadata: {
        ...current.metadata,
        annotations: { ...current.metadata?.annotations, [ANNOTATIONS.workspaceOwner]: owner },
      },
    };
    try {
      await ctx.call("replace", () =>
        core.replaceNamespacedPersistentVolumeClaim({ name, namespace, body: adopted }),
      );
      ctx.log.info({ namespace, pvc: name, owner }, "adopted a workspace volume claim without an owner");
      return;
    } catch (err) {
      // changed since read (another dispatch adopted it first): read it again and check that owner
      if (apiStatus(err) !== 409 || attempt >= 3) throw ctx.classify(err, `recording the owner of ${name}`);
    }
  }
}
