import { Environment } from "@marcbachmann/cel-js";
import { type FieldError, forbidden, invalid, required } from "./field-errors.js";
import { deepEqual, isObject } from "./json-utils.js";
import type { JSONSchemaProps } from "./openapi-schema.js";

/**
 * CRD `x-kubernetes-validations` (CEL) evaluated with @marcbachmann/cel-js, as the apiextensions
 * apiserver does (staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go):
 * each rule runs with `self` bound to the value at its schema node, integers as CEL int; a rule that
 * mentions `oldSelf` is a transition rule and runs only on update when the old value exists. The
 * Kubernetes CEL extension libraries (quantity(), url(), isSorted(), …) are not available.
 */
type Rule = NonNullable<JSONSchemaProps["x-kubernetes-validations"]>[number];

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const compiled = new Map<string, ReturnType<typeof env.parse> | Error>();

function compile(rule: string): ReturnType<typeof env.parse> | Error {
  let hit = compiled.get(rule);
  if (!hit) {
    try {
      hit = env.parse(rule);
    } catch (err) {
      hit = err instanceof Error ? err : new Error(String(err));
    }
    compiled.set(rule, hit);
  }
  return hit;
}

/** JSON → CEL values: `integer` schema fields become CEL ints (BigInt), everything else stays. */
function toCel(value: unknown, schema: JSONSchemaProps | undefined): unknown {
  if (
    typeof value === "number" &&
    (schema?.type === "integer" || (Number.isInteger(value) && schema?.type !== "number"))
  ) {
    return BigInt(Math.trunc(value));
  }
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema?.properties?.[k] ??
        (isObject(schema?.additionalProperties)
          ? (schema?.additionalProperties as JSONSchemaProps)
          : undefined);
      out[k] = toCel(v, sub);
    }
    return out;
  }
  return value;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function ruleError(path: string, value: unknown, rule: Rule, detail: string): FieldError {
  const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
  if (rule.reason === "FieldValueForbidden") return forbidden(field, detail);
  if (rule.reason === "FieldValueRequired") return required(field, detail);
  return invalid(field, typeName(value), detail);
}

function evaluateRule(
  rule: Rule,
  path: string,
  value: unknown,
  old: unknown,
  schema: JSONSchemaProps,
): FieldError | undefined {
  const program = compile(rule.rule);
  if (program instanceof Error)
    return ruleError(path, value, rule, `compilation failed: ${program.message.split("\n")[0]}`);
  const vars: Record<string, unknown> = { self: toCel(value, schema) };
  if (old !== undefined) vars["oldSelf"] = toCel(old, schema);
  let result: unknown;
  try {
    result = program(vars);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return ruleError(path, value, rule, `rule evaluation error: ${msg}`);
  }
  if (result === true) return undefined;
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.messageExpression) {
    const expr = compile(rule.messageExpression);
    try {
      const m = expr instanceof Error ? undefined : expr(vars);
      if (typeof m === "string" && m.trim() !== "") message = m;
    } catch {
      // keep the static message, as the apiserver does when messageExpression fails
    }
  }
  return ruleError(path, value, rule, message);
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Runs the CEL rules found in the schema over `value`. `old` is the previous object on update
 * (undefined on create): transition rules (those naming `oldSelf`) run only where an old value exists,
 * and, as with CRD validation ratcheting (on by default since 1.30), a subtree equal to its old value
 * is not re-validated — so a write that leaves an invalid field alone (a status update) still passes.
 */
export function validateCel(
  value: unknown,
  old: unknown,
  schema: JSONSchemaProps,
  path = "",
  errs: FieldError[] = [],
): FieldError[] {
  if (value === undefined || value === null) return errs;
  if (old !== undefined && deepEqual(value, old)) return errs;
  for (const rule of schema["x-kubernetes-validations"] ?? []) {
    if (/\boldSelf\b/.test(rule.rule) && old === undefined) continue;
    const err = evaluateRule(rule, path, value, old, schema);
    if (err) errs.push(err);
  }
  if (Array.isArray(value) && schema.items) {
    // Old list items are correlated only for maps keyed by x-kubernetes-list-map-keys; kube-sim does not.
    const items = schema.items;
    for (const [i, v] of value.entries()) validateCel(v, undefined, items, `${path}[${i}]`, errs);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema.properties?.[k] ??
        (isObject(schema.additionalProperties)
          ? (schema.additionalProperties as JSONSchemaProps)
          : undefined);
      const oldChild = isObject(old) ? old[k] : undefined;
      if (sub) validateCel(v, oldChild, sub, child(path, k), errs);
    }
  }
  return errs;
}
