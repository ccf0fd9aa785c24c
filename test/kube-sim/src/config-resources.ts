import { badRequest } from "./api-error.js";
import { type FieldError, forbidden, invalid, tooLong } from "./field-errors.js";
import { deepEqual, isObject } from "./json-utils.js";
import { configMapKey } from "./name-validation.js";
import { builtinType, type ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/** ConfigMaps and Secrets share the 1 MiB limit (api.MaxSecretSize). */
export const MAX_DATA_SIZE = 1024 * 1024;

function decodeBase64Strict(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  return Buffer.from(value, "base64");
}

function mapOf(obj: KubeObject, field: string): Record<string, unknown> {
  const value = obj[field];
  return isObject(value) ? value : {};
}

function validateKeys(map: Record<string, unknown>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(map)) {
    for (const msg of configMapKey(key)) errs.push(invalid(`${field}[${key}]`, key, msg));
  }
  return errs;
}

function immutableErrors(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old["immutable"] !== true) return [];
  const errs: FieldError[] = [];
  if (obj["immutable"] !== true) {
    errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  }
  for (const f of fields) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {}))
      errs.push(forbidden(f, "field is immutable when `immutable` is set"));
  }
  return errs;
}

export const configMapsType: ResourceType = builtinType({
  group: "",
  plural: "configmaps",
  singular: "configmap",
  kind: "ConfigMap",
  namespaced: true,
  shortNames: ["cm"],
  strategy: {
    validate(obj) {
      const data = mapOf(obj, "data");
      const binary = mapOf(obj, "binaryData");
      const errs = [...validateKeys(data, "data"), ...validateKeys(binary, "binaryData")];
      let total = 0;
      for (const [k, v] of Object.entries(data)) {
        total += k.length + (typeof v === "string" ? Buffer.byteLength(v) : 0);
        if (Object.hasOwn(binary, k))
          errs.push(invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
      }
      for (const [k, v] of Object.entries(binary)) {
        total += k.length + (typeof v === "string" ? (decodeBase64Strict(v)?.length ?? v.length) : 0);
      }
      // The real validation reports the whole object, rendered as field "[]".
      if (total > MAX_DATA_SIZE) errs.push(tooLong("[]", MAX_DATA_SIZE));
      return errs;
    },
    validateUpdate: (obj, old) => immutableErrors(obj, old, ["data", "binaryData"]),
  },
});

export const secretsType: ResourceType = builtinType({
  group: "",
  plural: "secrets",
  singular: "secret",
  kind: "Secret",
  namespaced: true,
  strategy: {
    prepareForCreate: normalizeSecret,
    prepareForUpdate: (obj) => normalizeSecret(obj),
    validate(obj) {
      const data = mapOf(obj, "data");
      const errs = validateKeys(data, "data");
      let total = 0;
      for (const [k, v] of Object.entries(data))
        total += k.length + (decodeBase64Strict(String(v))?.length ?? 0);
      if (total > MAX_DATA_SIZE) errs.push(tooLong("data", MAX_DATA_SIZE));
      return errs;
    },
    validateUpdate(obj, old) {
      const errs = immutableErrors(obj, old, ["data"]);
      if (obj["type"] !== old["type"]) errs.push(invalid("type", obj["type"], "field is immutable"));
      return errs;
    },
    fields: (obj) => ({ type: String(obj["type"] ?? "") }),
    fieldLabels: ["type"],
  },
});

/** stringData is write-only: merged into data (base64) and dropped, as the API server's conversion does. */
function normalizeSecret(obj: KubeObject): void {
  obj["type"] ??= "Opaque";
  const data = { ...mapOf(obj, "data") };
  for (const v of Object.values(data)) {
    if (typeof v !== "string" || decodeBase64Strict(v) === undefined) {
      throw badRequest(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`,
      );
    }
  }
  for (const [k, v] of Object.entries(mapOf(obj, "stringData"))) {
    data[k] = Buffer.from(String(v), "utf8").toString("base64");
  }
  delete obj["stringData"];
  if (Object.keys(data).length > 0) obj["data"] = data;
}
