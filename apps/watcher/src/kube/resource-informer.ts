import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Counter } from "prom-client";

export type ChangeType = "add" | "update" | "delete";

export interface ResourceInformerOptions<T extends KubernetesObject> {
  /** resource name for logs and the restart metric (`jobs`, `pods`, `coderuns`, …) */
  resource: string;
  kubeConfig: KubeConfig;
  /** API path of the collection, e.g. `/apis/batch/v1/namespaces/default/jobs` */
  path: string;
  /** lists the collection (with the same label selector) */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string | undefined;
  onChange: (type: ChangeType, obj: T) => void;
  /** after every successful (re)list, once the cache holds the fresh list */
  onSynced: () => void;
  log: Logger;
  restarts: Counter<"resource">;
  /** wait before restarting a failed list/watch, ms @defaultValue 1000 */
  restartDelayMs?: number;
}

/**
 * A client-node informer (list, then watch; relists on 410 Gone) that restarts itself after a delay
 * when the list or the watch fails, so the cache never silently stops following. `start()` and
 * `stop()` are idempotent; errors caused by `stop()` itself are not restarts.
 */
export class ResourceInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private running = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private everSynced = false;
  private failures = 0;
  private lastFailureAt = 0;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly options: ResourceInformerOptions<T>) {
    const list = async () => {
      const result = await options.list();
      // the informer fills its cache right after this promise settles; report once that has happened
      setImmediate(() => this.synced());
      return result;
    };
    this.informer = makeInformer(options.kubeConfig, options.path, list, options.labelSelector);
    this.informer.on("add", (obj) => options.onChange("add", obj));
    this.informer.on("update", (obj) => options.onChange("update", obj));
    this.informer.on("delete", (obj) => options.onChange("delete", obj));
    this.informer.on("error", (err) => this.failed(err));
  }

  get hasSynced(): boolean {
    return this.everSynced;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      void this.informer.start().catch((err: unknown) => this.failed(err));
    }
    await this.whenSynced();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  whenSynced(): Promise<void> {
    if (this.everSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private synced(): void {
    if (!this.running) return;
    this.everSynced = true;
    this.failures = 0;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const resolve of waiters) resolve();
    this.options.onSynced();
  }

  private failed(err: unknown): void {
    if (!this.running) return; // stop() aborts the watch, which reports an error
    this.options.restarts.inc({ resource: this.options.resource });
    // a failure long after the previous one starts the backoff over
    if (Date.now() - this.lastFailureAt > 60_000) this.failures = 0;
    this.lastFailureAt = Date.now();
    this.failures++;
    // back off while the API keeps failing (1 s, 2 s, 4 s … 30 s); a successful list resets it
    const delay = Math.min((this.options.restartDelayMs ?? 1000) * 2 ** (this.failures - 1), 30_000);
    const e = err as { message?: string; code?: number; statusCode?: number };
    const code = e?.code ?? e?.statusCode;
    this.options.log.warn(
      { resource: this.options.resource, err: { message: e?.message, code }, retryInMs: delay },
      code === 404
        ? "listing failed with 404: is the resource type installed? (kubectl apply -f deploy/crds/); retrying"
        : "watch failed; restarting",
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.running) return;
      void this.informer.start().catch((e2: unknown) => this.failed(e2));
    }, delay);
    this.restartTimer.unref();
  }
}
