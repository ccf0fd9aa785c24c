import { badRequest, conflict, invalid, STALE_OBJECT_MESSAGE } from "./api-error.js";
import { reportUnknownFields } from "./create-object.js";
import { invalid as invalidField } from "./field-errors.js";
import { clone, deepEqual, specPart } from "./json-utils.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta-validation.js";
import { normalizeIncoming, requireExisting } from "./object-io.js";
import { groupResource, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext, WriteOptions } from "./sim-context.js";
import type { KubeObject } from "./types.js";

export interface UpdateOptions extends WriteOptions {
  subresource?: "status" | undefined;
  /** The body is the result of a patch: a missing resourceVersion is not an "unconditional update". */
  fromPatch?: boolean;
}

/** System-owned metadata that clients cannot change with a PUT. */
const SYSTEM_META = ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] as const;

function copyField(target: Record<string, unknown>, source: Record<string, unknown>, key: string): void {
  if (source[key] === undefined) delete target[key];
  else target[key] = clone(source[key]);
}

/** PUT (and the tail of PATCH): optimistic concurrency, status separation, generation, finalizers. */
export function updateObject(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: UpdateOptions = {},
): KubeObject {
  const incoming = normalizeIncoming(rt, version, namespace, body);
  if (incoming.metadata.name && incoming.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  incoming.metadata.name = name;
  const old = requireExisting(ctx, rt, namespace, name);
  const gr = groupResource(rt);

  const rv = incoming.metadata.resourceVersion;
  if (rv) {
    if (rv !== old.metadata.resourceVersion) throw conflict(gr, name, STALE_OBJECT_MESSAGE);
  } else if (!rt.allowUnconditionalUpdate && !opts.internal && !opts.fromPatch) {
    throw invalid(rt.kind, rt.group, name, [
      invalidField("metadata.resourceVersion", 0, "must be specified for an update"),
    ]);
  }
  const uid = incoming.metadata.uid;
  if (uid && uid !== old.metadata.uid) {
    throw conflict(
      gr,
      name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid}`,
    );
  }

  let next: KubeObject;
  if (opts.subresource === "status") {
    // Status writes change .status only; ResetObjectMetaForStatus drops any metadata/spec changes.
    next = clone(old);
    copyField(next, incoming, "status");
  } else {
    next = incoming;
    for (const key of SYSTEM_META) copyField(next.metadata, old.metadata, key);
    copyField(next.metadata, old.metadata, "generation");
    if (rt.statusSubresource) copyField(next, old, "status");
  }
  rt.strategy.prepareForUpdate?.(next, old);
  reportUnknownFields(rt, next, opts);
  if (rt.hasGeneration) {
    const changed = !deepEqual(specPart(next, rt.statusSubresource), specPart(old, rt.statusSubresource));
    if (changed) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }

  const errors = [
    ...validateObjectMeta(next, rt.nameRule),
    ...validateObjectMetaUpdate(next, old),
    ...(rt.strategy.validate?.(next) ?? []),
    ...(!opts.internal && opts.subresource !== "status"
      ? (rt.strategy.validateUpdate?.(next, old) ?? [])
      : []),
  ];
  if (errors.length > 0) throw invalid(rt.kind, rt.group, name, errors);
  if (!opts.internal) ctx.validatingAdmission?.(rt, next, old);

  next.metadata.resourceVersion = old.metadata.resourceVersion ?? "";
  // Like etcd's GuaranteedUpdate: an update that changes nothing is not written and emits no event.
  if (deepEqual(next, old)) return old;
  if (opts.dryRun) return next;

  const key = resourceKey(rt);
  const meta = next.metadata;
  const finalizersDone = (meta.finalizers ?? []).length === 0;
  if (meta.deletionTimestamp && finalizersDone && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
    const removed = ctx.store.remove(key, meta.namespace, name);
    ctx.kick();
    return removed ?? next;
  }
  const stored = ctx.store.replace(key, next);
  ctx.kick();
  return stored;
}
