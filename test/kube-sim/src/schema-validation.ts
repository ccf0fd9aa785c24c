import {
  duplicate,
  type FieldError,
  invalid,
  notSupported,
  required,
  tooLongRaw,
  tooMany,
} from "./field-errors.js";
import { deepEqual, isObject } from "./json-utils.js";
import type { JSONSchemaProps } from "./openapi-schema.js";

/** Go/OpenAPI name of a JSON value's type, as used in "must be of type X" messages. */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: unknown, schema: JSONSchemaProps): boolean {
  if (schema["x-kubernetes-int-or-string"]) {
    return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
  }
  switch (schema.type) {
    case undefined:
      return true;
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    default:
      return typeof value === schema.type;
  }
}

const patternCache = new Map<string, RegExp | null>();

/** CRD patterns are ECMA-262-ish; try unicode mode first, then legacy mode; unparsable patterns are skipped. */
function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re !== undefined) return re;
  try {
    re = new RegExp(pattern, "u");
  } catch {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
  }
  patternCache.set(pattern, re);
  return re;
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function validateScalar(value: unknown, schema: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      errs.push(invalid(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      errs.push(tooLongRaw(path, `Too long: may not be more than ${schema.maxLength} bytes`));
    }
    const re = schema.pattern !== undefined ? compilePattern(schema.pattern) : null;
    if (re && !re.test(value)) {
      errs.push(invalid(path, value, `${path} in body should match '${schema.pattern}'`));
    }
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) {
      errs.push(invalid(path, value, `${path} in body must be of type date-time: "${value}"`));
    }
  }
  if (typeof value === "number") {
    const { minimum, maximum } = schema;
    if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum)) {
      const rel = schema.exclusiveMinimum ? "greater than" : "greater than or equal to";
      errs.push(invalid(path, value, `${path} in body should be ${rel} ${minimum}`));
    }
    if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum)) {
      const rel = schema.exclusiveMaximum ? "less than" : "less than or equal to";
      errs.push(invalid(path, value, `${path} in body should be ${rel} ${maximum}`));
    }
    if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) {
      errs.push(invalid(path, value, `${path} in body should be a multiple of ${schema.multipleOf}`));
    }
  }
}

/**
 * OpenAPI v3 validation of a (pruned, defaulted) custom resource, with the API server's messages:
 * `spec.x: Required value`, `spec.n: Invalid value: "string": spec.n in body must be of type integer: "string"`,
 * `spec.m: Unsupported value: "x": supported values: "a", "b"`, … CEL rules are not evaluated.
 */
export function validateSchema(
  value: unknown,
  schema: JSONSchemaProps,
  path = "",
  errs: FieldError[] = [],
): FieldError[] {
  if (value === null && schema.nullable) return errs;
  if (!typeMatches(value, schema)) {
    const expected = schema["x-kubernetes-int-or-string"] ? "integer-or-string" : schema.type;
    const actual = typeName(value);
    errs.push(invalid(path, actual, `${path} in body must be of type ${expected}: "${actual}"`));
    return errs;
  }
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) {
    errs.push(
      notSupported(
        path,
        value,
        schema.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  }
  validateScalar(value, schema, path, errs);
  for (const sub of schema.allOf ?? []) validateSchema(value, sub, path, errs);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errs.push(invalid(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errs.push(tooMany(path, value.length, schema.maxItems));
    }
    if (schema.uniqueItems) {
      value.forEach((v, i) => {
        if (value.findIndex((w) => deepEqual(w, v)) < i) errs.push(duplicate(`${path}[${i}]`, v));
      });
    }
    const items = schema.items;
    if (items) for (const [i, v] of value.entries()) validateSchema(v, items, `${path}[${i}]`, errs);
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) errs.push(required(child(path, key)));
    }
    const count = Object.keys(value).length;
    if (schema.minProperties !== undefined && count < schema.minProperties) {
      errs.push(
        invalid(path, count, `${path} in body should have at least ${schema.minProperties} properties`),
      );
    }
    if (schema.maxProperties !== undefined && count > schema.maxProperties) {
      errs.push(tooMany(path, count, schema.maxProperties));
    }
    for (const [key, v] of Object.entries(value)) {
      if (path === "" && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
      const sub =
        schema.properties?.[key] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (sub) validateSchema(v, sub as JSONSchemaProps, child(path, key), errs);
    }
  }
  return errs;
}
