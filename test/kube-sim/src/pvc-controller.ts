import { ApiError } from "./api-error.js";
import type { StoreEvent } from "./event-history.js";
import { idOf, PODS_KEY } from "./job-index.js";
import { asArray, clone, getPath, isObject, objectKey } from "./json-utils.js";
import { PVC_PROTECTION_FINALIZER, persistentVolumeClaimsType } from "./pod-resources.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";
import { WorkQueue } from "./work-queue.js";

const PVCS_KEY = "persistentvolumeclaims";

/** namespace/claimName of every PersistentVolumeClaim a pod's volumes name. */
function claimIds(pod: KubeObject | undefined): string[] {
  if (!pod) return [];
  return asArray(getPath(pod, "spec", "volumes")).flatMap((v) => {
    const claim = isObject(v) ? getPath(v, "persistentVolumeClaim", "claimName") : undefined;
    return typeof claim === "string" ? [objectKey(pod.metadata.namespace, claim)] : [];
  });
}

/**
 * Dynamic provisioning and pvc-protection in one: Pending claims are bound to a made-up volume after
 * `bindDelayMs`; a claim being deleted keeps its protection finalizer while a non-terminal pod uses it.
 */
export class PvcController {
  /** Claims to look at on the next pass: changed, used by a pod that changed, or due to bind. */
  private readonly queue = new WorkQueue();
  /** Claim id (namespace/claimName) → ids of the pods whose volumes name it. */
  private readonly podsByClaim = new Map<string, Set<string>>();

  constructor(
    private readonly ctx: SimContext,
    private readonly bindDelayMs: number,
  ) {
    ctx.store.subscribe((event) => this.onEvent(event));
    for (const key of [PODS_KEY, PVCS_KEY])
      for (const object of ctx.store.list(key)) this.onEvent({ rv: 0, type: "ADDED", key, object });
  }

  step(now: number): void {
    let failure: unknown;
    for (const id of this.queue.take(now)) {
      const stored = this.ctx.store.peek(PVCS_KEY, id);
      if (!stored) continue;
      const pvc = clone(stored);
      try {
        if (pvc.metadata.deletionTimestamp) this.release(pvc, id);
        else if (getPath(pvc, "status", "phase") === "Pending") this.bind(pvc, id, now);
      } catch (err) {
        this.queue.add(id);
        if (!(err instanceof ApiError)) failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private onEvent(event: StoreEvent): void {
    if (event.key === PVCS_KEY) {
      if (event.type !== "DELETED") this.queue.add(idOf(event.object));
      return;
    }
    if (event.key !== PODS_KEY) return;
    const pod = idOf(event.object);
    const before = claimIds(event.previous);
    const after = event.type === "DELETED" ? [] : claimIds(event.object);
    for (const claim of before) if (!after.includes(claim)) this.podsByClaim.get(claim)?.delete(pod);
    for (const claim of after) {
      let set = this.podsByClaim.get(claim);
      if (!set) {
        set = new Set();
        this.podsByClaim.set(claim, set);
      }
      set.add(pod);
    }
    for (const claim of new Set([...before, ...after])) {
      if (this.podsByClaim.get(claim)?.size === 0) this.podsByClaim.delete(claim);
      this.queue.add(claim);
    }
  }

  private bind(pvc: KubeObject, id: string, now: number): void {
    const created = Date.parse(pvc.metadata.creationTimestamp ?? "");
    if (Number.isFinite(created) && now < created + this.bindDelayMs) {
      this.queue.wakeAt(id, created + this.bindDelayMs);
      return;
    }
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

  private release(pvc: KubeObject, id: string): void {
    if (!pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const inUse = [...(this.podsByClaim.get(id) ?? [])].some((podId) => {
      const pod = this.ctx.store.peek(PODS_KEY, podId);
      const phase = getPath(pod, "status", "phase");
      return pod !== undefined && phase !== "Succeeded" && phase !== "Failed";
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
