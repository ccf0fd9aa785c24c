import type { StoreEvent } from "./event-history.js";
import type { Store } from "./store.js";
import type { KubeObject } from "./types.js";

function ownerUids(obj: KubeObject | undefined): string[] {
  return (obj?.metadata.ownerReferences ?? []).map((r) => r.uid);
}

/**
 * Incremental bookkeeping for the garbage collector, like the real collector's dependency graph: an
 * owner uid → dependent uids index maintained from store events, and the set of uids whose GC state may
 * have changed since the last pass ("dirty"). Nothing is listed or cloned per write.
 */
export class OwnerIndex {
  private readonly dependents = new Map<string, Set<string>>();
  private dirty = new Set<string>();

  constructor(store: Store) {
    store.subscribe((event) => this.onEvent(event));
  }

  dependentsOf(ownerUid: string): string[] {
    return [...(this.dependents.get(ownerUid) ?? [])];
  }

  hasDependents(ownerUid: string): boolean {
    return (this.dependents.get(ownerUid)?.size ?? 0) > 0;
  }

  /** Takes the uids to process (objects that changed, their owners and, on deletion, their dependents). */
  drain(): string[] {
    const out = [...this.dirty];
    this.dirty = new Set();
    return out;
  }

  get pending(): number {
    return this.dirty.size;
  }

  private onEvent(event: StoreEvent): void {
    const uid = event.object.metadata.uid;
    if (!uid) return;
    const before = ownerUids(event.previous);
    const after = event.type === "DELETED" ? [] : ownerUids(event.object);
    for (const owner of before) if (!after.includes(owner)) this.unlink(owner, uid);
    for (const owner of after) this.link(owner, uid);
    // The object itself (owner-side finalizers, dependent-side dangling references) …
    if (event.type !== "DELETED") this.dirty.add(uid);
    // … its owners (a foreground deletion waits for its dependents to go) …
    for (const owner of new Set([...before, ...after])) this.dirty.add(owner);
    // … and, when it is gone, everything it owned.
    if (event.type === "DELETED") for (const dep of this.dependents.get(uid) ?? []) this.dirty.add(dep);
  }

  private link(owner: string, dependent: string): void {
    let set = this.dependents.get(owner);
    if (!set) {
      set = new Set();
      this.dependents.set(owner, set);
    }
    set.add(dependent);
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (!set) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }
}
