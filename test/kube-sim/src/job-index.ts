import type { StoreEvent } from "./event-history.js";
import { objectKey } from "./json-utils.js";
import type { Store } from "./store.js";
import type { KubeObject } from "./types.js";
import { WorkQueue } from "./work-queue.js";

export const JOBS_KEY = "jobs.batch";
export const PODS_KEY = "pods";

export function idOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name ?? "");
}

function controllerUids(obj: KubeObject | undefined): string[] {
  return (obj?.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid);
}

/**
 * The Job controller's bookkeeping, fed by store events (its informers): Jobs by uid, pods by their
 * controller's uid, the Jobs to sync (changed, or one of their pods changed, or due) and the pods whose
 * tracking finalizer may be left without a Job. Nothing is listed or cloned per pass.
 */
export class JobIndex {
  readonly jobs = new WorkQueue();
  private orphans = new Set<string>();
  private deleted = new Set<string>();
  private readonly jobIdByUid = new Map<string, string>();
  private readonly podsByController = new Map<string, Set<string>>();

  constructor(store: Store) {
    store.subscribe((event) => this.onEvent(event));
    for (const key of [JOBS_KEY, PODS_KEY])
      for (const object of store.list(key)) this.onEvent({ rv: 0, type: "ADDED", key, object });
  }

  isLiveJob(uid: string): boolean {
    return this.jobIdByUid.has(uid);
  }

  /** Ids of the pods whose controller is this uid, sorted like a store listing. */
  podIdsOf(uid: string): string[] {
    return [...(this.podsByController.get(uid) ?? [])].sort();
  }

  /** Looks at a pod again on the next pass: as an orphan candidate and through its Job. */
  retryPod(pod: KubeObject): void {
    this.orphans.add(idOf(pod));
    for (const uid of controllerUids(pod)) {
      const job = this.jobIdByUid.get(uid);
      if (job) this.jobs.add(job);
    }
  }

  takeOrphanCandidates(): string[] {
    const out = [...this.orphans].sort();
    this.orphans = new Set();
    return out;
  }

  /** uids of the Jobs deleted since the last call. */
  takeDeleted(): string[] {
    const out = [...this.deleted];
    this.deleted = new Set();
    return out;
  }

  private onEvent(event: StoreEvent): void {
    if (event.key === JOBS_KEY) this.onJob(event);
    else if (event.key === PODS_KEY) this.onPod(event);
  }

  private onJob(event: StoreEvent): void {
    const uid = event.object.metadata.uid ?? "";
    const id = idOf(event.object);
    if (event.type === "DELETED") {
      this.jobIdByUid.delete(uid);
      this.deleted.add(uid);
      for (const pod of this.podsByController.get(uid) ?? []) this.orphans.add(pod);
      return;
    }
    this.jobIdByUid.set(uid, id);
    this.jobs.add(id);
  }

  private onPod(event: StoreEvent): void {
    const id = idOf(event.object);
    const before = controllerUids(event.previous);
    const after = event.type === "DELETED" ? [] : controllerUids(event.object);
    for (const uid of before) if (!after.includes(uid)) this.unlink(uid, id);
    for (const uid of after) this.link(uid, id);
    for (const uid of new Set([...before, ...after])) {
      const job = this.jobIdByUid.get(uid);
      if (job) this.jobs.add(job);
    }
    if (event.type !== "DELETED") this.orphans.add(id);
  }

  private link(uid: string, pod: string): void {
    let set = this.podsByController.get(uid);
    if (!set) {
      set = new Set();
      this.podsByController.set(uid, set);
    }
    set.add(pod);
  }

  private unlink(uid: string, pod: string): void {
    const set = this.podsByController.get(uid);
    if (!set) return;
    set.delete(pod);
    if (set.size === 0) this.podsByController.delete(uid);
  }
}
