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

  /** Current cluster-wide resourceVersion. */
  get resourceVersion(): string {
    return String(this.ctx.store.currentRv);
  }
}
