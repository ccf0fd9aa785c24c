import type { StoreEvent } from "./event-history.js";
import { clone } from "./json-utils.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject } from "./types.js";

/**
 * Read-only view of the store for test assertions. Resources are named by plural, qualified with the
 * group for non-core resources: "pods", "jobs.batch", "docsruns.orchestrator.platform".
 */
export class SimObjects {
  constructor(private readonly ctx: SimContext) {}

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.ctx.store.get(resource, namespace, name);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return this.ctx.store.list(resource, namespace);
  }

  /**
   * Calls `listener` synchronously with every write of `resource` from now on (a copy of the object as
   * stored, or its last state for DELETED): what a benchmark needs to time an object's appearance
   * without polling lists. Returns the unsubscribe function.
   */
  watch(resource: string, listener: (type: StoreEvent["type"], obj: KubeObject) => void): () => void {
    return this.ctx.store.subscribe((event) => {
      if (event.key === resource) listener(event.type, clone(event.object));
    });
  }

  /** Current cluster-wide resourceVersion. */
  get resourceVersion(): string {
    return String(this.ctx.store.currentRv);
  }
}
