import type { JSONSchemaProps } from "./openapi-schema.js";
import type { PrinterColumn } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/** The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition the simulator reads. */
export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: unknown };
  selectableFields?: { jsonPath: string }[];
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
}

export interface CrdObject extends KubeObject {
  spec: CrdSpec;
}

export const CRD_GROUP = "apiextensions.k8s.io";
export const CRD_RESOURCE_KEY = "customresourcedefinitions.apiextensions.k8s.io";
