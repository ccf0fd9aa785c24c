import type { JsonObject, KubeObject } from "./types.js";

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Structural equality for JSON values (key order insensitive). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ak = Object.keys(a).filter((k) => a[k] !== undefined);
    const bk = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ak.length !== bk.length) return false;
    return ak.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Reads a nested value: getPath(obj, "spec", "template", "spec"). */
export function getPath(value: unknown, ...path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Returns the object at `key`, creating an empty one when absent or not an object. */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Kubernetes timestamps have second precision (RFC 3339, "2024-01-02T03:04:05Z"). */
export function k8sTime(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** RFC 3339 with nanoseconds, as in `kubectl logs --timestamps`. */
export function k8sTimeNano(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** Coerces a parsed request body into a KubeObject with a metadata object. */
export function asKubeObject(value: JsonObject): KubeObject {
  if (!isObject(value["metadata"])) value["metadata"] = {};
  return value as KubeObject;
}

/** Everything except metadata (and status when the status is a separate subresource). */
export function specPart(obj: KubeObject, excludeStatus: boolean): JsonObject {
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
    if (excludeStatus && k === "status") continue;
    rest[k] = v;
  }
  return rest;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
