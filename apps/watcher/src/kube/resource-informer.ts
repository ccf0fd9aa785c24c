import type { KubernetesListObject, KubernetesObject } from "@kubernetes/client-node";
import { backoffMs } from "@orchestrator/contracts";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { WatchHandle } from "./kube-reader.js";
import { withTimeout } from "./with-timeout.js";

export type ChangeType = "add" | "update" | "delete";

/** How long watches live and when a silent one is given up on. */
export interface WatchTiming {
  /** `timeoutSeconds` of every watch: the server ends it and it is resumed from the last version */
  watchTimeoutSeconds: number;
  /** no event and no bookmark for this long: the stream is dead though open; restart with a list, ms */
  idleTimeoutMs: number;
  /** a real re-list (not the cache) this often, reconciling missed changes, ms (0 = never) */
  relistIntervalMs: number;
}

export interface ResourceInformerOptions<T extends KubernetesObject> {
  /** resource name for logs and the restart metric (`jobs`, `pods`, `coderuns`, …) */
  resource: string;
  /** lists the collection (with the informer's label selector) */
  list: () => Promise<KubernetesListObject<T>>;
  /** watches the collection from a resource version */
  watch: (
    resourceVersion: string | undefined,
    onEvent: (type: string, obj: T) => void,
    onDone: (err: unknown) => void,
  ) => Promise<WatchHandle>;
  timing: WatchTiming;
  onChange: (type: ChangeType, obj: T) => void;
  /** after every successful (re)list, once the cache holds the fresh list */
  onSynced: () => void;
  log: Logger;
  restarts: Counter<"resource">;
  /** wait before restarting a failed list/watch, ms @defaultValue 1000 */
  restartDelayMs?: number;
  /** a secondary key (the run id): `indexed(value)` then answers without scanning the whole cache */
  indexBy?: (obj: T) => string | undefined;
}

const keyOf = (obj: KubernetesObject) => `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;

/**
 * List, then watch with `timeoutSeconds` and bookmarks, resuming from the last resource version when
 * the server ends a watch. It re-lists (a real list, diffed against its cache, so every missed add,
 * update and delete is reported) on 410 Gone, after an error (with backoff), when the stream has
 * carried nothing for `idleTimeoutMs` (a proxy keeping a dead stream open) and every
 * `relistIntervalMs`. `start()` and `stop()` are idempotent.
 */
export class ResourceInformer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private running = false;
  private generation = 0;
  private handle: WatchHandle | undefined;
  private resourceVersion: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private everSynced = false;
  private failures = 0;
  private syncWaiters: (() => void)[] = [];
  private readonly index = new Map<string, Map<string, T>>();

  constructor(private readonly options: ResourceInformerOptions<T>) {}

  get hasSynced(): boolean {
    return this.everSynced;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      void this.relist();
      const every = this.options.timing.relistIntervalMs;
      if (every > 0) {
        this.relistTimer = setInterval(() => void this.relist(), every);
        this.relistTimer.unref();
      }
    }
    await this.whenSynced();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    clearInterval(this.relistTimer);
    this.handle?.abort();
    this.handle = undefined;
  }

  list(): readonly T[] {
    return [...this.cache.values()];
  }

  /** The cached objects whose `indexBy` key is `value` (O(its objects), not O(the cache)). */
  indexed(value: string): T[] {
    return [...(this.index.get(value)?.values() ?? [])];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(`${namespace ?? ""}/${name}`);
  }

  whenSynced(): Promise<void> {
    if (this.everSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** A fresh list replaces the cache (reporting the differences); then a new watch from its version. */
  private async relist(): Promise<void> {
    if (!this.running) return;
    const generation = ++this.generation;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    this.handle?.abort();
    this.handle = undefined;
    let listed: KubernetesListObject<T>;
    try {
      // a list stuck on a dead connection must not stop the informer for good
      listed = await withTimeout(
        this.options.list(),
        this.options.timing.idleTimeoutMs,
        this.options.resource,
      );
    } catch (err) {
      if (generation === this.generation) this.failed(err);
      return;
    }
    if (generation !== this.generation || !this.running) return;
    const fresh = new Map(listed.items.map((item) => [keyOf(item), item] as const));
    for (const [key, old] of this.cache) if (!fresh.has(key)) this.emit("delete", key, old);
    for (const [key, item] of fresh) {
      const old = this.cache.get(key);
      if (!old) this.emit("add", key, item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.emit("update", key, item);
    }
    this.resourceVersion = listed.metadata?.resourceVersion;
    this.synced();
    await this.watch(generation);
  }

  private async watch(generation: number): Promise<void> {
    this.armIdle(generation);
    try {
      const handle = await this.options.watch(
        this.resourceVersion,
        (type, obj) => this.onWatchEvent(generation, type, obj),
        (err) => this.onWatchDone(generation, err),
      );
      if (generation === this.generation) this.handle = handle;
      else handle.abort();
    } catch (err) {
      if (generation === this.generation) this.failed(err);
    }
  }

  private onWatchEvent(generation: number, type: string, obj: T): void {
    if (generation !== this.generation) return;
    this.armIdle(generation);
    if (type === "ERROR") {
      // 410 Gone (the version is too old) and any other watch error: start over with a list
      this.failed(Object.assign(new Error((obj as { message?: string }).message ?? "watch error"), obj));
      return;
    }
    const version = obj.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === "BOOKMARK") return;
    const key = keyOf(obj);
    if (type === "DELETED") this.emit("delete", key, obj);
    else if (type === "ADDED" || type === "MODIFIED")
      this.emit(this.cache.has(key) ? "update" : "add", key, obj);
  }

  private onWatchDone(generation: number, err: unknown): void {
    if (generation !== this.generation || !this.running) return;
    if (err) {
      this.failed(err);
      return;
    }
    // the server ended the watch (its timeoutSeconds): resume from the last version seen
    clearTimeout(this.idleTimer);
    void this.watch(generation);
  }

  private emit(type: ChangeType, key: string, obj: T): void {
    const old = this.cache.get(key);
    if (type === "delete") this.cache.delete(key);
    else this.cache.set(key, obj);
    this.reindex(key, old, type === "delete" ? undefined : obj);
    this.options.onChange(type, obj);
  }

  private reindex(key: string, old: T | undefined, next: T | undefined): void {
    const indexBy = this.options.indexBy;
    if (!indexBy) return;
    const before = old ? indexBy(old) : undefined;
    const after = next ? indexBy(next) : undefined;
    if (before !== undefined && before !== after) {
      const bucket = this.index.get(before);
      bucket?.delete(key);
      if (bucket?.size === 0) this.index.delete(before);
    }
    if (after === undefined || !next) return;
    let bucket = this.index.get(after);
    if (!bucket) {
      bucket = new Map();
      this.index.set(after, bucket);
    }
    bucket.set(key, next);
  }

  private armIdle(generation: number): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (generation !== this.generation || !this.running) return;
      this.options.restarts.inc({ resource: this.options.resource });
      this.options.log.warn(
        { resource: this.options.resource, idleMs: this.options.timing.idleTimeoutMs },
        "watch silent (no event, no bookmark); re-listing",
      );
      void this.relist();
    }, this.options.timing.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private synced(): void {
    this.everSynced = true;
    this.failures = 0;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const resolve of waiters) resolve();
    this.options.onSynced();
  }

  private failed(err: unknown): void {
    if (!this.running) return;
    this.generation++;
    clearTimeout(this.idleTimer);
    this.handle?.abort();
    this.handle = undefined;
    this.options.restarts.inc({ resource: this.options.resource });
    this.failures++;
    // back off while the API keeps failing (1 s, 2 s, 4 s … 30 s, with jitter); a successful list resets it
    const delay = backoffMs(this.failures, this.options.restartDelayMs ?? 1000, 30_000);
    const e = err as { message?: string; code?: number; statusCode?: number };
    const code = e?.code ?? e?.statusCode;
    this.options.log.warn(
      { resource: this.options.resource, err: { message: e?.message, code }, retryInMs: delay },
      code === 404
        ? "listing failed with 404: is the resource type installed? (kubectl apply -f deploy/crds/); retrying"
        : "watch failed; re-listing",
    );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.relist(), delay);
    this.timer.unref();
  }
}
