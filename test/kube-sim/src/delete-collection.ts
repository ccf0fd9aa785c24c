import { ApiError } from "./api-error.js";
import { type DeleteOptions, deleteObject } from "./delete-object.js";
import { makeFilter } from "./list-objects.js";
import { present } from "./object-io.js";
import { groupVersion, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext, WriteOptions } from "./sim-context.js";
import type { KubeObject } from "./types.js";

/** DELETE on a collection: deletes every match and answers with the list of what was deleted. */
export function deleteCollection(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  selectors: { labelSelector?: string | undefined; fieldSelector?: string | undefined },
  options: DeleteOptions,
  opts: WriteOptions,
) {
  const filter = makeFilter(rt, selectors.labelSelector, selectors.fieldSelector);
  const targets = ctx.store
    .list(resourceKey(rt), rt.namespaced ? namespace : undefined)
    .filter(filter.matches);
  const items: KubeObject[] = [];
  for (const obj of targets) {
    try {
      const result = deleteObject(ctx, rt, obj.metadata.namespace, obj.metadata.name ?? "", options, opts);
      const body = result.body as KubeObject;
      items.push(present(rt, version, body.metadata ? body : obj));
    } catch (err) {
      // Objects deleted concurrently are skipped, as the real DeleteCollection does on NotFound.
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  return {
    kind: rt.listKind,
    apiVersion: groupVersion(rt.group, version),
    metadata: { resourceVersion: String(ctx.store.currentRv) },
    items,
  };
}
