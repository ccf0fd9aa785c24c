import { ApiError } from "./api-error.js";
import { asArray, clone, getPath, isObject } from "./json-utils.js";
import { PVC_PROTECTION_FINALIZER, persistentVolumeClaimsType } from "./pod-resources.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";

/**
 * Dynamic provisioning and pvc-protection in one: Pending claims are bound to a made-up volume after
 * `bindDelayMs`; a claim being deleted keeps its protection finalizer while a non-terminal pod uses it.
 */
export class PvcController {
  constructor(
    private readonly ctx: SimContext,
    private readonly bindDelayMs: number,
  ) {}

  step(now: number): void {
    const pods = this.ctx.store.list("pods");
    for (const pvc of this.ctx.store.list("persistentvolumeclaims")) {
      try {
        if (pvc.metadata.deletionTimestamp) this.release(pvc, pods);
        else if (getPath(pvc, "status", "phase") === "Pending") this.bind(pvc, now);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
  }

  private bind(pvc: KubeObject, now: number): void {
    const created = Date.parse(pvc.metadata.creationTimestamp ?? "");
    if (Number.isFinite(created) && now < created + this.bindDelayMs) return;
    const name = pvc.metadata.name ?? "";
    const ns = pvc.metadata.namespace;
    const volumeName = `pvc-${pvc.metadata.uid}`;
    const bound = clone(pvc);
    bound.metadata.annotations = {
      ...bound.metadata.annotations,
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.beta.kubernetes.io/storage-provisioner": "kube-sim.io/hostpath",
      "volume.kubernetes.io/storage-provisioner": "kube-sim.io/hostpath",
    };
    bound["spec"] = { ...(bound["spec"] as object), volumeName };
    const stored = updateObject(this.ctx, persistentVolumeClaimsType, "v1", ns, name, bound, {
      internal: true,
    });
    const status = {
      phase: "Bound",
      accessModes: clone(getPath(pvc, "spec", "accessModes") ?? []),
      capacity: { storage: getPath(pvc, "spec", "resources", "requests", "storage") ?? "1Gi" },
    };
    updateObject(
      this.ctx,
      persistentVolumeClaimsType,
      "v1",
      ns,
      name,
      { ...stored, status },
      { subresource: "status", internal: true },
    );
  }

  private release(pvc: KubeObject, pods: KubeObject[]): void {
    if (!pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const inUse = pods.some((pod) => {
      if (pod.metadata.namespace !== pvc.metadata.namespace) return false;
      const phase = getPath(pod, "status", "phase");
      if (phase === "Succeeded" || phase === "Failed") return false;
      return asArray(getPath(pod, "spec", "volumes")).some(
        (v) => isObject(v) && getPath(v, "persistentVolumeClaim", "claimName") === pvc.metadata.name,
      );
    });
    if (inUse) return;
    const finalizers = (pvc.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER);
    updateObject(
      this.ctx,
      persistentVolumeClaimsType,
      "v1",
      pvc.metadata.namespace,
      pvc.metadata.name ?? "",
      { ...pvc, metadata: { ...pvc.metadata, finalizers } },
      { internal: true },
    );
  }
}
