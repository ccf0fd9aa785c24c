import { badRequest, conflict, invalid } from "./api-error.js";
import { notSupported } from "./field-errors.js";
import { clone, deepEqual, getPath, k8sTime } from "./json-utils.js";
import { requireExisting } from "./object-io.js";
import { groupResource, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext, WriteOptions } from "./sim-context.js";
import { GcFinalizer, type KubeObject, PropagationPolicy } from "./types.js";

export interface DeleteOptions {
  propagationPolicy?: string | undefined;
  orphanDependents?: boolean | undefined;
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
}

export interface SuccessStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success";
  details: { name: string; group?: string; kind: string; uid?: string };
}

export interface DeleteResult {
  body: KubeObject | SuccessStatus;
  /** Whether the object is gone (false while finalizers or a grace period keep it). */
  deleted: boolean;
}

const POLICIES: readonly string[] = Object.values(PropagationPolicy);

export const JOB_ORPHAN_WARNING =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or " +
  "set propagationPolicy=Orphan to suppress this warning";

function resolvePolicy(rt: ResourceType, obj: KubeObject, options: DeleteOptions, opts: WriteOptions) {
  const name = obj.metadata.name ?? "";
  if (options.propagationPolicy !== undefined && options.orphanDependents !== undefined) {
    throw badRequest("DeleteOptions is invalid: orphanDependents and propagationPolicy cannot both be set");
  }
  if (options.propagationPolicy !== undefined) {
    if (!POLICIES.includes(options.propagationPolicy)) {
      throw invalid(rt.kind, rt.group, name, [
        notSupported("propagationPolicy", options.propagationPolicy, ["Foreground", "Background", "Orphan"]),
      ]);
    }
    return { policy: options.propagationPolicy, explicit: true };
  }
  if (options.orphanDependents !== undefined) {
    return {
      policy: options.orphanDependents ? PropagationPolicy.Orphan : PropagationPolicy.Background,
      explicit: true,
    };
  }
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(GcFinalizer.Orphan)) return { policy: PropagationPolicy.Orphan, explicit: false };
  if (finalizers.includes(GcFinalizer.Foreground))
    return { policy: PropagationPolicy.Foreground, explicit: false };
  if (rt.defaultPropagation === PropagationPolicy.Orphan && rt.kind === "Job")
    opts.warnings?.push(JOB_ORPHAN_WARNING);
  return { policy: rt.defaultPropagation, explicit: false };
}

/** Pods are deleted gracefully once bound to a node and not yet terminal (CheckGracefulDelete). */
function gracePeriod(rt: ResourceType, obj: KubeObject, options: DeleteOptions): number {
  if (rt.kind !== "Pod" || rt.group !== "") return 0;
  const phase = getPath(obj, "status", "phase");
  if (!getPath(obj, "spec", "nodeName") || phase === "Succeeded" || phase === "Failed") return 0;
  const fromSpec = getPath(obj, "spec", "terminationGracePeriodSeconds");
  const grace = options.gracePeriodSeconds ?? (typeof fromSpec === "number" ? fromSpec : 30);
  return Math.max(0, grace);
}

function withGcFinalizer(finalizers: string[], policy: string): string[] {
  const rest = finalizers.filter((f) => f !== GcFinalizer.Orphan && f !== GcFinalizer.Foreground);
  if (policy === PropagationPolicy.Orphan) rest.push(GcFinalizer.Orphan);
  if (policy === PropagationPolicy.Foreground) rest.push(GcFinalizer.Foreground);
  return rest;
}

function successStatus(rt: ResourceType, obj: KubeObject): SuccessStatus {
  const details: SuccessStatus["details"] = { name: obj.metadata.name ?? "", kind: rt.plural };
  if (rt.group) details.group = rt.group;
  if (obj.metadata.uid) details.uid = obj.metadata.uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

/** DELETE of one object: preconditions, propagation policy → GC finalizers, grace periods, finalizers. */
export function deleteObject(
  ctx: SimContext,
  rt: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions = {},
  opts: WriteOptions = {},
): DeleteResult {
  const old = requireExisting(ctx, rt, namespace, name);
  const gr = groupResource(rt);
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== old.metadata.uid) {
    throw conflict(
      gr,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(
      gr,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
    );
  }
  const { policy, explicit } = resolvePolicy(rt, old, options, opts);
  const key = resourceKey(rt);
  const next = clone(old);
  const meta = next.metadata;
  const currentFinalizers = meta.finalizers ?? [];
  const finalizers =
    explicit || policy !== PropagationPolicy.Background
      ? withGcFinalizer(currentFinalizers, policy)
      : currentFinalizers;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  else delete meta.finalizers;

  let grace = gracePeriod(rt, old, options);
  if (old.metadata.deletionTimestamp) {
    // Already terminating: a shorter grace period may be requested, the GC finalizers may change.
    grace = Math.min(grace, old.metadata.deletionGracePeriodSeconds ?? 0);
  } else if (rt.kind === "Namespace" && rt.group === "") {
    grace = 0;
  }

  const keep = finalizers.length > 0 || grace > 0 || (rt.kind === "Namespace" && rt.group === "");
  if (!keep) {
    if (opts.dryRun) return { body: rt.returnDeletedObject ? old : successStatus(rt, old), deleted: true };
    const removed = ctx.store.remove(key, meta.namespace, name) ?? old;
    ctx.kick();
    return { body: rt.returnDeletedObject ? removed : successStatus(rt, removed), deleted: true };
  }
  if (!old.metadata.deletionTimestamp) {
    meta.deletionTimestamp = k8sTime(Date.now() + grace * 1000);
    if (meta.generation !== undefined) meta.generation += 1;
  }
  meta.deletionGracePeriodSeconds = grace;
  if (rt.kind === "Namespace" && rt.group === "") {
    next["status"] = { ...(next["status"] as object), phase: "Terminating" };
  }
  if (opts.dryRun) return { body: next, deleted: false };
  const stored = deepEqual(next, old) ? old : ctx.store.replace(key, next);
  ctx.kick();
  return { body: stored, deleted: false };
}
