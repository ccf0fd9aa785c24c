import { validateCel } from "./cel-validation.js";
import type { CrdObject, CrdVersion } from "./crd-types.js";
import { asString, getPath } from "./json-utils.js";
import { applyDefaults, type JSONSchemaProps, prune } from "./openapi-schema.js";
import type { ResourceType } from "./resource-type.js";
import { validateSchema } from "./schema-validation.js";
import type { KubeObject } from "./types.js";

/** Reads `.spec.x.y` style selectable-field paths. */
function readJsonPath(obj: KubeObject, jsonPath: string): string {
  const value = getPath(obj, ...jsonPath.replace(/^\./, "").split("."));
  return value === undefined || value === null ? "" : String(value);
}

/**
 * Builds the served resource for a CRD. All served versions share the storage version's schema and
 * objects differ only in apiVersion (conversion strategy None).
 */
export function customResourceType(crd: CrdObject, celEnabled: () => boolean = () => true): ResourceType {
  const { group, names, scope } = crd.spec;
  const served = crd.spec.versions.filter((v) => v.served !== false);
  const storage: CrdVersion | undefined = crd.spec.versions.find((v) => v.storage) ?? served[0];
  const schema: JSONSchemaProps = storage?.schema?.openAPIV3Schema ?? {
    "x-kubernetes-preserve-unknown-fields": true,
  };
  const statusSubresource = storage?.subresources?.status !== undefined;
  const selectable = (storage?.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, ""));
  // Paths dropped by pruning for the object currently being written (for warnings / Strict).
  const dropped = new WeakMap<KubeObject, string[]>();

  const pruneAndDefault = (obj: KubeObject) => {
    const paths = prune(obj, schema);
    applyDefaults(obj, schema);
    dropped.set(obj, paths);
  };

  return {
    group,
    versions: served.map((v) => v.name),
    storageVersion: storage?.name ?? "v1",
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced: scope !== "Cluster",
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    nameRule: "subdomain",
    statusSubresource,
    logSubresource: false,
    hasGeneration: true,
    allowUnconditionalUpdate: false,
    strategicMerge: false,
    returnDeletedObject: false,
    defaultPropagation: "Background",
    stripListItemTypeMeta: false,
    custom: true,
    schema,
    printerColumns: storage?.additionalPrinterColumns ?? [],
    strategy: {
      prepareForCreate(obj) {
        if (statusSubresource) delete obj["status"];
        pruneAndDefault(obj);
      },
      prepareForUpdate: pruneAndDefault,
      validate: (obj, old) => [
        ...validateSchema(obj, schema),
        ...(celEnabled() ? validateCel(obj, old, schema) : []),
      ],
      unknownFields: (obj) => dropped.get(obj) ?? [],
      fields: (obj) => Object.fromEntries(selectable.map((p) => [p, readJsonPath(obj, p)])),
      fieldLabels: selectable,
    },
  };
}

export function crdName(crd: KubeObject): string {
  return asString(crd.metadata.name) ?? "";
}
