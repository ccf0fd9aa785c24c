import { clone, deepEqual, isObject } from "./json-utils.js";

/** RFC 7386 JSON Merge Patch: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Strategic merge patch, simplified: a JSON merge patch in which the lists Kubernetes declares with
 * `patchStrategy:"merge"` are merged element-wise by their merge key instead of being replaced.
 * The merge key is looked up by field name only (not by Go type), which is right for every built-in
 * type the simulator serves. Supported directives: `$patch: replace|delete|merge` (maps and list
 * elements), `$deleteFromPrimitiveList/<field>`, `$retainKeys`; `$setElementOrder/<field>` is accepted
 * and ignored.
 */

/** field name → merge key (or "" for merged lists of primitives, e.g. finalizers). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  ports: "containerPort",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
  finalizers: "",
};

const DIRECTIVE = "$patch";
const DELETE_FROM_PRIMITIVE = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER = "$setElementOrder/";
const RETAIN_KEYS = "$retainKeys";

function mergeList(original: unknown, patch: unknown[], mergeKey: string | undefined): unknown[] {
  if (mergeKey === undefined) return stripDirectives(patch) as unknown[];
  const base = Array.isArray(original) ? clone(original) : [];
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === "replace")) {
    return stripDirectives(patch.filter((p) => !(isObject(p) && p[DIRECTIVE] === "replace"))) as unknown[];
  }
  if (mergeKey === "") {
    const out = [...base];
    for (const item of patch) if (!out.some((o) => deepEqual(o, item))) out.push(item);
    return out;
  }
  const out = base;
  for (const item of patch) {
    if (!isObject(item)) continue;
    const key = item[mergeKey];
    const at = out.findIndex((o) => isObject(o) && deepEqual(o[mergeKey], key));
    if (item[DIRECTIVE] === "delete") {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = strategicMerge(out[at], item);
    else out.push(stripDirectives(item));
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) continue;
    if (v !== null) out[k] = stripDirectives(v);
  }
  return out;
}

export function strategicMerge(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch[DIRECTIVE] === "replace") return stripDirectives(patch);
  const result: Record<string, unknown> = isObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
      }
      continue;
    }
    if (value === null || (isObject(value) && value[DIRECTIVE] === "delete")) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, MERGE_KEYS[key]);
    } else if (isObject(value)) {
      result[key] = strategicMerge(result[key], value);
    } else {
      result[key] = value;
    }
  }
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}
