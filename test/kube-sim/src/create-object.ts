import { alreadyExists, badRequest, internalError, invalid } from "./api-error.js";
import { k8sTime } from "./json-utils.js";
import { validateObjectMeta } from "./meta-validation.js";
import { checkNamespaceForCreate, normalizeIncoming } from "./object-io.js";
import { groupResource, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext, WriteOptions } from "./sim-context.js";
import type { KubeObject } from "./types.js";

/** generateName keeps at most 58 characters of the prefix so prefix + 5 random chars fit in 63. */
const MAX_GENERATED_PREFIX = 58;

/** Reports fields a custom resource schema pruned: a 400 under fieldValidation=Strict, warnings otherwise. */
export function reportUnknownFields(rt: ResourceType, obj: KubeObject, opts: WriteOptions): void {
  const unknown = rt.strategy.unknownFields?.(obj) ?? [];
  if (unknown.length === 0 || opts.fieldValidation === "Ignore") return;
  if (opts.fieldValidation === "Strict") {
    const list = unknown.map((f) => `unknown field "${f}"`).join(", ");
    throw badRequest(`strict decoding error: ${list}`);
  }
  for (const f of unknown) opts.warnings?.push(`unknown field "${f}"`);
}

/** POST: the create path of the generic registry store (BeforeCreate + storage create). */
export function createObject(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  body: unknown,
  opts: WriteOptions = {},
): KubeObject {
  const obj = normalizeIncoming(rt, version, namespace, body);
  const meta = obj.metadata;
  if (meta.resourceVersion) throw internalError("resourceVersion should not be set on objects to be created");
  for (const field of [
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
  ]) {
    delete meta[field];
  }
  delete meta.generation;
  delete meta["managedFields"];
  if (!meta.name && meta.generateName) {
    const prefix = meta.generateName.slice(0, MAX_GENERATED_PREFIX);
    let candidate = prefix + ctx.rng.nameSuffix();
    for (let i = 0; i < 5 && ctx.store.get(resourceKey(rt), meta.namespace, candidate); i++) {
      candidate = prefix + ctx.rng.nameSuffix();
    }
    meta.name = candidate;
  }
  const name = meta.name ?? "";
  if (rt.namespaced && namespace) checkNamespaceForCreate(ctx, rt, namespace, name);
  meta.uid = ctx.rng.uuid();
  meta.creationTimestamp = k8sTime();
  if (rt.hasGeneration) meta.generation = 1;

  rt.strategy.prepareForCreate?.(obj);
  reportUnknownFields(rt, obj, opts);
  const errors = [...validateObjectMeta(obj, rt.nameRule), ...(rt.strategy.validate?.(obj) ?? [])];
  if (errors.length > 0) throw invalid(rt.kind, rt.group, name, errors);
  if (!opts.internal) ctx.validatingAdmission?.(rt, obj, undefined);

  if (ctx.store.get(resourceKey(rt), meta.namespace, name)) throw alreadyExists(groupResource(rt), name);
  if (opts.dryRun) return obj;
  const stored = ctx.store.insert(resourceKey(rt), obj);
  ctx.kick();
  return stored;
}
