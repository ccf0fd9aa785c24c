import { parse as parseYaml } from "yaml";
import { badRequest, notFound, unsupportedMediaType } from "./api-error.js";
import { createObject } from "./create-object.js";
import { applyJsonPatch } from "./json-patch.js";
import { isObject } from "./json-utils.js";
import { applyMergePatch, strategicMerge } from "./merge-patch.js";
import { present } from "./object-io.js";
import { type ResourceType, resourceKey } from "./resource-type.js";
import { serverSideApply } from "./server-side-apply.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject, KubeObject } from "./types.js";
import { type UpdateOptions, updateObject } from "./update-object.js";

export const PatchType = {
  Json: "application/json-patch+json",
  Merge: "application/merge-patch+json",
  Strategic: "application/strategic-merge-patch+json",
  Apply: "application/apply-patch+yaml",
} as const;

export interface PatchOptions extends UpdateOptions {
  fieldManager?: string | undefined;
  /** force=true of server-side apply: take over conflicting fields. */
  force?: boolean | undefined;
}

function acceptedTypes(rt: ResourceType): string[] {
  const types: string[] = [PatchType.Json, PatchType.Merge];
  if (rt.strategicMerge) types.push(PatchType.Strategic);
  types.push(PatchType.Apply);
  return types;
}

function parseBody(contentType: string, raw: string): unknown {
  try {
    return contentType === PatchType.Apply ? parseYaml(raw) : JSON.parse(raw);
  } catch (err) {
    throw badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * PATCH: applies the patch to the current object and runs the result through the update path, so
 * preconditions (a resourceVersion inside the patch), validation and status separation all apply.
 * Server-side apply: see server-side-apply.ts (an apply to /status is a merge patch of the status).
 */
export function patchObject(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string,
  contentTypeHeader: string | undefined,
  rawBody: string,
  opts: PatchOptions = {},
): KubeObject {
  const contentType = (contentTypeHeader ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!acceptedTypes(rt).includes(contentType)) throw unsupportedMediaType(contentType, acceptedTypes(rt));
  const patch = parseBody(contentType, rawBody);
  if (contentType === PatchType.Apply && !opts.fieldManager) {
    throw badRequest(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  }
  if (contentType !== PatchType.Json && !isObject(patch)) {
    throw badRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
  }
  const current = ctx.store.get(resourceKey(rt), rt.namespaced ? namespace : undefined, name);
  if (contentType === PatchType.Apply && opts.subresource !== "status") {
    const fieldManager = opts.fieldManager ?? "";
    return serverSideApply(ctx, rt, version, namespace, name, current, patch as JsonObject, {
      ...opts,
      fieldManager,
    });
  }
  if (!current) {
    if (contentType === PatchType.Apply && opts.subresource !== "status") {
      const body = { ...(patch as object), metadata: { ...((patch as KubeObject).metadata ?? {}), name } };
      return createObject(ctx, rt, version, namespace, body, opts);
    }
    throw notFound({ group: rt.group, resource: rt.plural }, name);
  }
  const base = present(rt, version, current);
  let patched: unknown;
  switch (contentType) {
    case PatchType.Json:
      patched = applyJsonPatch(base, patch);
      break;
    case PatchType.Strategic:
      patched = strategicMerge(base, patch);
      break;
    default:
      patched = applyMergePatch(base, patch);
  }
  return updateObject(ctx, rt, version, namespace, name, patched, { ...opts, fromPatch: true });
}
