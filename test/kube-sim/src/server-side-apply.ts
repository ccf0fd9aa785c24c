import { ApiError } from "./api-error.js";
import { createObject } from "./create-object.js";
import { clone, deepEqual, getPath, isObject, k8sTime } from "./json-utils.js";
import { present } from "./object-io.js";
import { groupVersion, type ResourceType } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";
import { type UpdateOptions, updateObject } from "./update-object.js";

/**
 * Server-side apply (PATCH application/apply-patch+yaml), simplified from the real field manager
 * (sigs.k8s.io/structured-merge-diff): the applied configuration's leaf fields are owned by the field
 * manager and recorded in metadata.managedFields (FieldsV1); a field another manager owns with a
 * different value is a 409 conflict unless force=true (which takes it over); fields this manager applied
 * before and now omits are removed unless another manager owns them. Objects merge key by key; lists are
 * atomic (no associative-list keys), and only labels/annotations of metadata are managed.
 */
type Path = string[];
interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: JsonObject;
  subresource?: string;
}

export interface ApplyOptions extends UpdateOptions {
  fieldManager: string;
  force?: boolean | undefined;
}

const keyOf = (p: Path) => JSON.stringify(p);

function leaves(value: unknown, prefix: Path, out: Map<string, Path>): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...prefix, k], out);
  } else out.set(keyOf(prefix), prefix);
}

/** The fields an applied configuration sets, as leaf paths. */
function appliedFields(rt: ResourceType, cfg: JsonObject): Map<string, Path> {
  const out = new Map<string, Path>();
  for (const [k, v] of Object.entries(cfg)) {
    if (k === "apiVersion" || k === "kind" || (k === "status" && rt.statusSubresource)) continue;
    if (k === "metadata") {
      for (const m of ["labels", "annotations"]) {
        const sub = getPath(v, m);
        if (sub !== undefined) leaves(sub, ["metadata", m], out);
      }
      continue;
    }
    leaves(v, [k], out);
  }
  return out;
}

function toFieldsV1(paths: Iterable<Path>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const seg of path) {
      const key = `f:${seg}`;
      node[key] ??= {};
      node = node[key] as JsonObject;
    }
  }
  return root;
}

function fromFieldsV1(fields: unknown, prefix: Path = [], out = new Map<string, Path>()): Map<string, Path> {
  if (!isObject(fields)) return out;
  for (const [k, v] of Object.entries(fields)) {
    if (k === ".") continue;
    const path = [...prefix, k.startsWith("f:") ? k.slice(2) : k];
    if (isObject(v) && Object.keys(v).some((c) => c !== ".") && k.startsWith("f:"))
      fromFieldsV1(v, path, out);
    else out.set(keyOf(path), path);
  }
  return out;
}

function getAt(obj: unknown, path: Path): unknown {
  return getPath(obj, ...path);
}

function deleteAt(obj: JsonObject, path: Path): void {
  const parent = getPath(obj, ...path.slice(0, -1));
  if (isObject(parent)) delete parent[path[path.length - 1] ?? ""];
}

function merge(target: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    const cur = target[k];
    if (isObject(v) && isObject(cur)) merge(cur, v);
    else target[k] = clone(v);
  }
}

function conflictError(
  rt: ResourceType,
  name: string,
  conflicts: { manager: string; field: string }[],
): ApiError {
  const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
  return new ApiError({
    message: `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${list.join("\n")}`,
    reason: "Conflict",
    code: 409,
    details: {
      name,
      kind: rt.plural,
      ...(rt.group ? { group: rt.group } : {}),
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}"`,
        field: c.field,
      })),
    },
  });
}

function entry(rt: ResourceType, version: string, manager: string, fields: Iterable<Path>): ManagedEntry {
  return {
    manager,
    operation: "Apply",
    apiVersion: groupVersion(rt.group, version),
    time: k8sTime(),
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(fields),
  };
}

/** Create-or-merge of an applied configuration with field ownership. */
export function serverSideApply(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string,
  current: KubeObject | undefined,
  cfg: JsonObject,
  opts: ApplyOptions,
): KubeObject {
  const applied = appliedFields(rt, cfg);
  const manager = opts.fieldManager;
  if (!current) {
    const body = { ...cfg, metadata: { ...(isObject(cfg["metadata"]) ? cfg["metadata"] : {}), name } };
    const managedFields = [entry(rt, version, manager, applied.values())];
    return createObject(ctx, rt, version, namespace, body, { ...opts, managedFields });
  }
  const live = present(rt, version, current);
  const entries = ((live.metadata["managedFields"] as ManagedEntry[] | undefined) ?? []).filter(isObject);
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply" && !e.subresource);
  const others = entries.filter((e) => e !== mine);
  const conflicts: { manager: string; field: string }[] = [];
  const taken = new Set<string>();
  for (const other of others) {
    for (const [key, path] of fromFieldsV1(other.fieldsV1)) {
      if (!applied.has(key) || deepEqual(getAt(live, path), getAt(cfg, path))) continue;
      if (opts.force) taken.add(key);
      else conflicts.push({ manager: other.manager, field: `.${path.join(".")}` });
    }
  }
  if (conflicts.length > 0) throw conflictError(rt, name, conflicts);

  const next = clone(live) as JsonObject;
  const ownedByOthers = new Set(others.flatMap((o) => [...fromFieldsV1(o.fieldsV1).keys()]));
  for (const [key, path] of fromFieldsV1(mine?.fieldsV1)) {
    if (!applied.has(key) && !ownedByOthers.has(key)) deleteAt(next, path);
  }
  merge(next, cfg);
  const kept: ManagedEntry[] = [];
  for (const other of others) {
    const remaining = [...fromFieldsV1(other.fieldsV1)].filter(([k]) => !taken.has(k)).map(([, p]) => p);
    if (remaining.length > 0) kept.push({ ...other, fieldsV1: toFieldsV1(remaining) });
  }
  const meta = next["metadata"] as JsonObject;
  meta["managedFields"] = [...kept, entry(rt, version, manager, applied.values())];
  return updateObject(ctx, rt, version, namespace, name, next, { ...opts, fromPatch: true });
}
