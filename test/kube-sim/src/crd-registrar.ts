import { customResourceDefinitionsType } from "./crd-resource.js";
import type { CrdObject } from "./crd-types.js";
import { CRD_RESOURCE_KEY } from "./crd-types.js";
import { customResourceType } from "./custom-resource-type.js";
import type { StoreEvent } from "./event-history.js";
import { clone, getPath, k8sTime } from "./json-utils.js";
import { resourceKey } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import { updateObject } from "./update-object.js";

/**
 * Serves custom resources for stored CRDs. Registration happens synchronously on the store event, so a
 * client may create instances right after the CRD create returns (a real server needs a moment before
 * the CRD is Established); the status conditions are written on the next controller pass.
 */
export class CrdRegistrar {
  private readonly pendingCleanup = new Set<string>();

  constructor(private readonly ctx: SimContext) {
    ctx.store.subscribe((event) => this.onEvent(event));
  }

  private onEvent(event: StoreEvent): void {
    if (event.key !== CRD_RESOURCE_KEY) return;
    const crd = event.object as CrdObject;
    const rt = customResourceType(crd, () => this.ctx.celValidation !== false);
    if (event.type === "DELETED") {
      this.ctx.registry.unregister(resourceKey(rt));
      this.pendingCleanup.add(resourceKey(rt));
      return;
    }
    this.ctx.registry.register(rt);
  }

  /** Controller pass: set NamesAccepted/Established, drop instances of deleted CRDs. */
  step(): void {
    for (const key of this.pendingCleanup) {
      this.pendingCleanup.delete(key);
      if (this.ctx.registry.byKey(key)) continue;
      for (const obj of this.ctx.store.list(key)) {
        this.ctx.store.remove(key, obj.metadata.namespace, obj.metadata.name ?? "");
      }
    }
    // Read without copies: CRDs carry whole schemas, and nearly all are established already.
    for (const stored of this.ctx.store.peekAll(CRD_RESOURCE_KEY)) {
      const conditions = getPath(stored, "status", "conditions");
      if (Array.isArray(conditions) && conditions.some((c) => getPath(c, "type") === "Established")) continue;
      this.establish(clone(stored) as CrdObject);
    }
  }

  establish(crd: CrdObject): void {
    const now = k8sTime();
    const names = crd.spec.names;
    const status = {
      ...(crd["status"] as object),
      acceptedNames: {
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
        ...(names.categories ? { categories: names.categories } : {}),
      },
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          lastTransitionTime: now,
          reason: "NoConflicts",
          message: "no conflicts found",
        },
        {
          type: "Established",
          status: "True",
          lastTransitionTime: now,
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
        },
      ],
    };
    updateObject(
      this.ctx,
      customResourceDefinitionsType,
      "v1",
      undefined,
      crd.metadata.name ?? "",
      { ...crd, status },
      {
        subresource: "status",
        internal: true,
      },
    );
  }
}
