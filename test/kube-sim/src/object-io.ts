import { badRequest, forbidden, notFound } from "./api-error.js";
import { isObject } from "./json-utils.js";
import { groupVersion, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";

/** The object as served for a given version: stored once, apiVersion/kind set per request. */
export function present(rt: ResourceType, version: string, obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: groupVersion(rt.group, version), kind: rt.kind, ...rest } as KubeObject;
}

/** Converts to the storage version before the object is written. */
export function toStorage(rt: ResourceType, obj: KubeObject): KubeObject {
  return present(rt, rt.storageVersion, obj);
}

/**
 * Checks type meta and namespace of a request body the way the decoder and the REST handlers do, and
 * returns it as a KubeObject in storage form.
 */
export function normalizeIncoming(
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  body: unknown,
): KubeObject {
  if (!isObject(body)) throw badRequest("the body of the request must be a JSON object");
  const expected = groupVersion(rt.group, version);
  if (rt.custom && (!body["kind"] || !body["apiVersion"])) {
    const what = body["kind"] ? "apiVersion" : "Kind";
    throw badRequest(`Object '${what}' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
  }
  if (body["apiVersion"] !== undefined && body["apiVersion"] !== expected) {
    throw badRequest(
      `the API version in the data (${String(body["apiVersion"])}) does not match the expected API version (${expected})`,
    );
  }
  if (body["kind"] !== undefined && body["kind"] !== rt.kind) {
    throw badRequest(
      `the kind in the data (${String(body["kind"])}) does not match the expected kind (${rt.kind})`,
    );
  }
  const obj = body as JsonObject;
  if (!isObject(obj["metadata"])) obj["metadata"] = {};
  const kube = obj as KubeObject;
  if (rt.namespaced) {
    const bodyNs = kube.metadata.namespace;
    if (bodyNs && namespace && bodyNs !== namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    if (namespace) kube.metadata.namespace = namespace;
  } else {
    delete kube.metadata.namespace;
  }
  return toStorage(rt, kube);
}

const NAMESPACES = { group: "", resource: "namespaces" };

/** NamespaceLifecycle admission: content may only be created in existing, non-terminating namespaces. */
export function checkNamespaceForCreate(
  ctx: SimContext,
  rt: ResourceType,
  namespace: string,
  name: string,
): void {
  const ns = ctx.store.get("namespaces", undefined, namespace);
  if (!ns) throw notFound(NAMESPACES, namespace);
  if (ns.metadata.deletionTimestamp) {
    throw forbidden(
      { group: rt.group, resource: rt.plural },
      name,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${namespace} is being terminated`,
            field: "metadata.namespace",
          },
        ],
      },
    );
  }
}

export function requireExisting(
  ctx: SimContext,
  rt: ResourceType,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const obj = ctx.store.get(resourceKey(rt), rt.namespaced ? namespace : undefined, name);
  if (!obj) throw notFound({ group: rt.group, resource: rt.plural }, name);
  return obj;
}

/** Field-selector values of an object. */
export function fieldSet(rt: ResourceType, obj: KubeObject): Record<string, string> {
  const base: Record<string, string> = { "metadata.name": obj.metadata.name ?? "" };
  if (rt.namespaced) base["metadata.namespace"] = obj.metadata.namespace ?? "";
  return { ...base, ...rt.strategy.fields?.(obj) };
}

export function supportedFieldLabels(rt: ResourceType): Set<string> {
  const labels = new Set(["metadata.name", "metadata.namespace"]);
  for (const l of rt.strategy.fieldLabels ?? []) labels.add(l);
  return labels;
}
