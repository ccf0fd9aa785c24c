import { clone, isObject } from "./json-utils.js";

/** The subset of apiextensions/v1 JSONSchemaProps the simulator understands. */
export interface JSONSchemaProps {
  type?: string;
  description?: string;
  $ref?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: boolean | JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-validations"?: {
    rule: string;
    message?: string;
    messageExpression?: string;
    reason?: string;
    fieldPath?: string;
  }[];
}

const TYPE_META = new Set(["apiVersion", "kind", "metadata"]);

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function schemaFor(schema: JSONSchemaProps, key: string): JSONSchemaProps | "keep" | undefined {
  const prop = schema.properties?.[key];
  if (prop) return prop;
  if (isObject(schema.additionalProperties)) return schema.additionalProperties as JSONSchemaProps;
  if (schema.additionalProperties === true || schema["x-kubernetes-preserve-unknown-fields"]) return "keep";
  return undefined;
}

/**
 * Pruning as for structural schemas: fields the schema does not declare are dropped (unless
 * x-kubernetes-preserve-unknown-fields), as are nulls of non-nullable fields. Returns the dropped paths
 * (for "unknown field" warnings / fieldValidation=Strict).
 */
export function prune(value: unknown, schema: JSONSchemaProps, path = "", root = true): string[] {
  const dropped: string[] = [];
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) {
      for (const [i, v] of value.entries()) dropped.push(...prune(v, items, `${path}[${i}]`, false));
    }
    return dropped;
  }
  if (!isObject(value)) return dropped;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  for (const key of Object.keys(value)) {
    if ((root || embedded) && TYPE_META.has(key)) continue;
    const sub = schemaFor(schema, key);
    if (sub === undefined) {
      delete value[key];
      dropped.push(childPath(path, key));
      continue;
    }
    if (sub === "keep") continue;
    if (value[key] === null && !sub.nullable) {
      delete value[key];
      continue;
    }
    dropped.push(...prune(value[key], sub, childPath(path, key), false));
  }
  return dropped;
}

/** Applies `default`s where the parent object exists and the field is absent (structural defaulting). */
export function applyDefaults(value: unknown, schema: JSONSchemaProps): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && prop.default !== undefined) value[key] = clone(prop.default);
  }
  for (const key of Object.keys(value)) {
    const sub = schemaFor(schema, key);
    if (sub && sub !== "keep") applyDefaults(value[key], sub);
  }
}
