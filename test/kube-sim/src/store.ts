import { EventHistory, type StoreEvent } from "./event-history.js";
import { clone, objectKey } from "./json-utils.js";
import type { KubeObject } from "./types.js";

export type StoreListener = (event: StoreEvent) => void;

/**
 * Versioned object storage with one cluster-wide, monotonically increasing resourceVersion (like
 * etcd's revision). It stores whatever it is given; API semantics live in the operations layer.
 * Everything handed in or out is cloned so callers cannot mutate stored state by accident.
 */
export class Store {
  private rv = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly uidIndex = new Map<string, { key: string; id: string }>();
  private readonly histories = new Map<string, EventHistory>();
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly historySize: number) {}

  get currentRv(): number {
    return this.rv;
  }

  history(key: string): EventHistory {
    let h = this.histories.get(key);
    if (!h) {
      h = new EventHistory(this.historySize);
      this.histories.set(key, h);
    }
    return h;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.data.get(key)?.get(objectKey(namespace, name));
    return obj ? clone(obj) : undefined;
  }

  /**
   * The stored object itself, by its id (objectKey), without a copy: for controllers' read-only checks.
   * Stored objects are replaced on every write, never changed in place, so it is a consistent snapshot;
   * callers must not mutate it (clone before handing it to a write).
   */
  peek(key: string, id: string): Readonly<KubeObject> | undefined {
    return this.data.get(key)?.get(id);
  }

  /** Every stored object of a resource, unsorted and without copies (same rules as `peek`). */
  peekAll(key: string): Readonly<KubeObject>[] {
    return [...(this.data.get(key)?.values() ?? [])];
  }

  /** Objects sorted by namespace/name, optionally restricted to one namespace. */
  list(key: string, namespace?: string): KubeObject[] {
    const bucket = this.data.get(key);
    if (!bucket) return [];
    const out: KubeObject[] = [];
    const ids = [...bucket.keys()].sort();
    for (const id of ids) {
      const obj = bucket.get(id);
      if (!obj) continue;
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      out.push(clone(obj));
    }
    return out;
  }

  findByUid(uid: string): { key: string; object: KubeObject } | undefined {
    const ref = this.uidIndex.get(uid);
    if (!ref) return undefined;
    const obj = this.data.get(ref.key)?.get(ref.id);
    return obj ? { key: ref.key, object: clone(obj) } : undefined;
  }

  keys(): string[] {
    return [...this.data.keys()];
  }

  insert(key: string, obj: KubeObject): KubeObject {
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    const id = objectKey(stored.metadata.namespace, stored.metadata.name ?? "");
    let bucket = this.data.get(key);
    if (!bucket) {
      bucket = new Map();
      this.data.set(key, bucket);
    }
    bucket.set(id, stored);
    if (stored.metadata.uid) this.uidIndex.set(stored.metadata.uid, { key, id });
    this.emit({ rv: this.rv, type: "ADDED", key, object: stored });
    return clone(stored);
  }

  replace(key: string, obj: KubeObject): KubeObject {
    const id = objectKey(obj.metadata.namespace, obj.metadata.name ?? "");
    const bucket = this.data.get(key);
    const previous = bucket?.get(id);
    if (!bucket || !previous) throw new Error(`store: replace of missing object ${key} ${id}`);
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    bucket.set(id, stored);
    this.emit({ rv: this.rv, type: "MODIFIED", key, object: stored, previous });
    return clone(stored);
  }

  remove(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const id = objectKey(namespace, name);
    const bucket = this.data.get(key);
    const previous = bucket?.get(id);
    if (!bucket || !previous) return undefined;
    bucket.delete(id);
    if (previous.metadata.uid) this.uidIndex.delete(previous.metadata.uid);
    const last = clone(previous);
    last.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: "DELETED", key, object: last, previous });
    return clone(last);
  }

  private emit(event: StoreEvent): void {
    this.history(event.key).push(event);
    for (const listener of [...this.listeners]) listener(event);
  }
}
