import { ApiError } from "./api-error.js";
import { deleteObject } from "./delete-object.js";
import { resourceKey } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";

/**
 * Namespace lifecycle: a namespace being deleted (phase Terminating) has all its content deleted;
 * once nothing is left (finalizers on content can hold it up) the namespace itself goes away.
 */
export class NamespaceController {
  constructor(private readonly ctx: SimContext) {}

  step(): void {
    for (const ns of this.ctx.store.peekAll("namespaces")) {
      if (!ns.metadata.deletionTimestamp) continue;
      const name = ns.metadata.name ?? "";
      let remaining = 0;
      for (const rt of this.ctx.registry.all()) {
        if (!rt.namespaced) continue;
        for (const obj of this.ctx.store.list(resourceKey(rt), name)) {
          remaining++;
          if (obj.metadata.deletionTimestamp) continue;
          try {
            deleteObject(
              this.ctx,
              rt,
              name,
              obj.metadata.name ?? "",
              { propagationPolicy: "Background" },
              { internal: true },
            );
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
          }
        }
      }
      if (remaining === 0) {
        this.ctx.store.remove("namespaces", undefined, name);
      }
    }
  }
}
