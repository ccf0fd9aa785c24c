import { ApiError } from "./api-error.js";
import { deleteObject } from "./delete-object.js";
import { OwnerIndex } from "./owner-index.js";
import type { ResourceType } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import { GcFinalizer, type KubeObject, type OwnerReference, PropagationPolicy } from "./types.js";
import { updateObject } from "./update-object.js";

interface Item {
  rt: ResourceType;
  obj: KubeObject;
}

function hasFinalizer(obj: KubeObject, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

/**
 * Owner-reference garbage collection: orphaning (removes owner references, then the `orphan`
 * finalizer), foreground deletion (deletes dependents, removes `foregroundDeletion` once no dependent
 * with blockOwnerDeletion remains) and background collection of dependents whose owners are all gone.
 * Incremental: an owner index fed by store events says which objects to look at (see OwnerIndex).
 */
export class GarbageCollector {
  private readonly index: OwnerIndex;

  constructor(private readonly ctx: SimContext) {
    this.index = new OwnerIndex(ctx.store);
  }

  /** Processes the objects whose GC state changed (writes made here queue their own follow-ups). */
  step(): void {
    // Bounded so a pathological cascade cannot starve the other controllers; the rest waits a tick.
    for (let round = 0; round < 50 && this.index.pending > 0; round++) {
      for (const uid of this.index.drain()) {
        const item = this.lookup(uid);
        if (!item) continue;
        try {
          this.processOwner(item, this.dependentsOf);
          this.processDependent(item);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
    }
  }

  private readonly dependentsOf = (uid: string): Item[] =>
    this.index.dependentsOf(uid).flatMap((d) => this.lookup(d) ?? []);

  private processOwner(owner: Item, dependentsOf: (uid: string) => Item[]): void {
    const meta = owner.obj.metadata;
    if (!meta.deletionTimestamp) return;
    const uid = meta.uid ?? "";
    if (hasFinalizer(owner.obj, GcFinalizer.Orphan)) {
      for (const dep of dependentsOf(uid)) this.dropRefs(dep, [uid]);
      this.removeFinalizer(owner, GcFinalizer.Orphan);
      return;
    }
    if (hasFinalizer(owner.obj, GcFinalizer.Foreground)) {
      const dependents = dependentsOf(uid);
      for (const dep of dependents) {
        if (dep.obj.metadata.deletionTimestamp) continue;
        // A dependent with another owner that exists and is not being deleted ("solid") survives: like the
        // real collector, only its reference to the owner being deleted is removed.
        const solidOwner = (dep.obj.metadata.ownerReferences ?? []).some((r) => {
          if (r.uid === uid || !this.ownerExists(r, dep)) return false;
          return !this.lookup(r.uid)?.obj.metadata.deletionTimestamp;
        });
        if (solidOwner) {
          this.dropRefs(dep, [uid]);
          continue;
        }
        // A dependent that has dependents of its own is deleted in the foreground too, so the cascade waits.
        const policy = this.index.hasDependents(dep.obj.metadata.uid ?? "")
          ? PropagationPolicy.Foreground
          : PropagationPolicy.Background;
        this.delete(dep, policy);
      }
      const blocking = dependents.filter((d) =>
        d.obj.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true),
      );
      const stillThere = blocking.filter((d) => this.exists(d));
      if (stillThere.length === 0) this.removeFinalizer(owner, GcFinalizer.Foreground);
    }
  }

  private processDependent(item: Item): void {
    // Earlier steps of this pass may have changed the object (e.g. orphaning removed its references).
    const obj = this.fresh(item);
    if (!obj) return;
    const dep = { rt: item.rt, obj };
    const refs = dep.obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || dep.obj.metadata.deletionTimestamp) return;
    const absent = refs.filter((r) => !this.ownerExists(r, dep));
    if (absent.length === 0) return;
    if (absent.length < refs.length) {
      // Some owners remain: only the dangling references are dropped.
      this.dropRefs(
        dep,
        absent.map((r) => r.uid),
      );
      return;
    }
    let policy: PropagationPolicy = PropagationPolicy.Background;
    if (hasFinalizer(dep.obj, GcFinalizer.Orphan)) policy = PropagationPolicy.Orphan;
    if (hasFinalizer(dep.obj, GcFinalizer.Foreground)) policy = PropagationPolicy.Foreground;
    this.delete(dep, policy);
  }

  /** An owner counts only if it exists with that uid, in the dependent's namespace when namespaced. */
  private ownerExists(ref: OwnerReference, dep: Item): boolean {
    const found = this.lookup(ref.uid);
    if (!found) return false;
    if (found.rt.namespaced) return found.obj.metadata.namespace === dep.obj.metadata.namespace;
    return true;
  }

  private lookup(uid: string): Item | undefined {
    const hit = this.ctx.store.findByUid(uid);
    if (!hit) return undefined;
    const rt = this.ctx.registry.byKey(hit.key);
    return rt ? { rt, obj: hit.object } : undefined;
  }

  private exists(item: Item): boolean {
    return this.ctx.store.findByUid(item.obj.metadata.uid ?? "") !== undefined;
  }

  private delete(item: Item, policy: PropagationPolicy): void {
    const m = item.obj.metadata;
    deleteObject(
      this.ctx,
      item.rt,
      m.namespace,
      m.name ?? "",
      { propagationPolicy: policy, preconditions: { uid: m.uid ?? "" } },
      { internal: true },
    );
  }

  private fresh(item: Item): KubeObject | undefined {
    const hit = this.ctx.store.findByUid(item.obj.metadata.uid ?? "");
    return hit?.object;
  }

  /** Drops owner references (by uid) from the current version of the object. */
  private dropRefs(item: Item, uids: readonly string[]): void {
    const obj = this.fresh(item);
    if (!obj) return;
    const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
    const metadata = { ...obj.metadata, ownerReferences: refs };
    if (refs.length === 0) delete (metadata as { ownerReferences?: OwnerReference[] }).ownerReferences;
    const ns = obj.metadata.namespace;
    updateObject(
      this.ctx,
      item.rt,
      item.rt.storageVersion,
      ns,
      obj.metadata.name ?? "",
      { ...obj, metadata },
      {
        internal: true,
      },
    );
  }

  private removeFinalizer(item: Item, finalizer: string): void {
    const obj = this.fresh(item);
    if (!obj) return;
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const metadata = { ...obj.metadata, finalizers };
    updateObject(
      this.ctx,
      item.rt,
      item.rt.storageVersion,
      obj.metadata.namespace,
      obj.metadata.name ?? "",
      { ...obj, metadata },
      { internal: true },
    );
  }
}
