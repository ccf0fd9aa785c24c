import type { FieldError } from "./field-errors.js";
import type { NameRule } from "./meta-validation.js";
import type { JSONSchemaProps } from "./openapi-schema.js";
import type { KubeObject, PropagationPolicy } from "./types.js";

/**
 * Per-resource behaviour, modelled on the API server's registry strategies (PrepareForCreate,
 * PrepareForUpdate, Validate, ValidateUpdate, field sets for field selectors).
 */
export interface ResourceStrategy {
  /** Defaulting and reset of server-owned fields on create. May throw ApiError (e.g. 400 on bad base64). */
  prepareForCreate?(obj: KubeObject): void;
  /** Called for writes to the main resource (not /status) before validation. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** `old` is the stored object on update (undefined on create). */
  validate?(obj: KubeObject, old?: KubeObject): FieldError[];
  /** Immutability rules; skipped for the simulator's own controllers. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Field-selector values beyond metadata.name / metadata.namespace. */
  fields?(obj: KubeObject): Record<string, string>;
  /** Field-selector labels the resource accepts (besides metadata.name / metadata.namespace). */
  fieldLabels?: readonly string[];
  /** Fields a write could not keep (CR pruning); reported as warnings or a Strict-validation error. */
  unknownFields?(obj: KubeObject): string[];
}

export interface ResourceType {
  /** "" for the core group. */
  group: string;
  /** Served versions; objects are stored once and only their apiVersion differs per version. */
  versions: string[];
  storageVersion: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  nameRule: NameRule;
  statusSubresource: boolean;
  logSubresource: boolean;
  /** metadata.generation is maintained (bumped on spec changes). */
  hasGeneration: boolean;
  /** PUT without metadata.resourceVersion is allowed (false for custom resources). */
  allowUnconditionalUpdate: boolean;
  /** application/strategic-merge-patch+json is accepted (built-in types only). */
  strategicMerge: boolean;
  /** DELETE answers with the object rather than a Status (pods, namespaces). */
  returnDeletedObject: boolean;
  defaultPropagation: PropagationPolicy;
  /** Built-in lists omit apiVersion/kind on items; custom resource lists keep them. */
  stripListItemTypeMeta: boolean;
  custom: boolean;
  strategy: ResourceStrategy;
  /** OpenAPI v3 schema served under /openapi (a CRD's openAPIV3Schema; built-ins get a generic one). */
  schema?: JSONSchemaProps;
  /** CRD additionalPrinterColumns for Table output. */
  printerColumns?: PrinterColumn[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

export function resourceKey(rt: Pick<ResourceType, "group" | "plural">): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function storageApiVersion(rt: ResourceType): string {
  return groupVersion(rt.group, rt.storageVersion);
}

export function groupResource(rt: ResourceType): { group: string; resource: string } {
  return { group: rt.group, resource: rt.plural };
}

/** Defaults for built-in resource types; callers override what differs. */
export function builtinType(
  base: Pick<ResourceType, "group" | "plural" | "singular" | "kind" | "namespaced"> & Partial<ResourceType>,
): ResourceType {
  return {
    versions: ["v1"],
    storageVersion: "v1",
    listKind: `${base.kind}List`,
    shortNames: [],
    categories: [],
    nameRule: "subdomain",
    statusSubresource: false,
    logSubresource: false,
    hasGeneration: false,
    allowUnconditionalUpdate: true,
    strategicMerge: true,
    returnDeletedObject: false,
    defaultPropagation: "Background",
    stripListItemTypeMeta: true,
    custom: false,
    strategy: {},
    ...base,
  };
}
