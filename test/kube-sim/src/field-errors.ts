/**
 * Field errors in the form k8s.io/apimachinery/pkg/util/validation/field renders them, because clients
 * (and humans reading logs) match on these strings: `spec.x: Required value`,
 * `metadata.name: Invalid value: "A": a lowercase RFC 1123 …`.
 */

export const FieldErrorType = {
  Required: "FieldValueRequired",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  TooLong: "FieldValueTooLong",
  TooMany: "FieldValueTooMany",
  Forbidden: "FieldValueForbidden",
  Duplicate: "FieldValueDuplicate",
  NotFound: "FieldValueNotFound",
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** Text after "<field>: ", e.g. `Invalid value: "x": must be ...`. */
  body: string;
}

/** Renders a value the way Go's %#v/%q mostly does for JSON-like data. */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "null";
  return JSON.stringify(value) ?? String(value);
}

export function required(field: string, detail = ""): FieldError {
  return {
    type: FieldErrorType.Required,
    field,
    body: detail ? `Required value: ${detail}` : "Required value",
  };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  const base = `Invalid value: ${renderValue(value)}`;
  return { type: FieldErrorType.Invalid, field, body: detail ? `${base}: ${detail}` : base };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return {
    type: FieldErrorType.NotSupported,
    field,
    body: `Unsupported value: ${renderValue(value)}: supported values: ${list}`,
  };
}

export function tooLong(field: string, max: number, unit = "bytes"): FieldError {
  return { type: FieldErrorType.TooLong, field, body: `Too long: must have at most ${max} ${unit}` };
}

export function tooLongRaw(field: string, body: string): FieldError {
  return { type: FieldErrorType.TooLong, field, body };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: FieldErrorType.TooMany, field, body: `Too many: ${actual}: must have at most ${max} items` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: FieldErrorType.Forbidden, field, body: `Forbidden: ${detail}` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: FieldErrorType.Duplicate, field, body: `Duplicate value: ${renderValue(value)}` };
}

export function formatFieldError(err: FieldError): string {
  return err.field ? `${err.field}: ${err.body}` : err.body;
}

/** Joins a child field onto a path: child("spec", "x") → "spec.x"; index("spec.a", 0) → "spec.a[0]". */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number | string): string {
  return `${path}[${i}]`;
}

export function notFoundField(field: string, value: unknown): FieldError {
  return { type: FieldErrorType.NotFound, field, body: `Not found: ${renderValue(value)}` };
}
