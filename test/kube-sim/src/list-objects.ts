import { ApiError, badRequest } from "./api-error.js";
import {
  checkFieldSelector,
  type FieldSelector,
  matchesFields,
  parseFieldSelector,
} from "./field-selector.js";
import { clone } from "./json-utils.js";
import { type LabelSelector, matchesLabels, parseLabelSelector } from "./label-selector.js";
import { fieldSet, present, supportedFieldLabels } from "./object-io.js";
import { groupVersion, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject } from "./types.js";

export interface ListQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
}

export interface ListResult {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

export interface ObjectFilter {
  labels: LabelSelector;
  fields: FieldSelector;
  matches(obj: KubeObject): boolean;
}

export function makeFilter(rt: ResourceType, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  checkFieldSelector(fields, supportedFieldLabels(rt));
  return {
    labels,
    fields,
    matches: (obj) => matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, fieldSet(rt, obj)),
  };
}

interface ContinueToken {
  rv: number;
  start: string;
}

const EXPIRED_CONTINUE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
  "without the continue parameter, or use the continue token in this response to retrieve the remainder of the " +
  "results. Continuing with the provided token results in an inconsistent list - objects that were created, " +
  "modified, or deleted between the time the first chunk was returned and now may show up in the list.";

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as ContinueToken;
    if (typeof parsed.rv !== "number" || typeof parsed.start !== "string") throw new Error("bad token");
    return parsed;
  } catch {
    throw badRequest(`continue key is not valid: ${token}`);
  }
}

function itemId(obj: Readonly<KubeObject>): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

/**
 * LIST with selectors and limit/continue paging. Later pages are read from the current state rather
 * than a snapshot at the first page's resourceVersion (documented simplification); an expired token
 * (older than the resource's event window) gets 410 like a compacted etcd revision.
 */
export function listObjects(
  ctx: SimContext,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  query: ListQuery,
): ListResult {
  const filter = makeFilter(rt, query.labelSelector, query.fieldSelector);
  const key = resourceKey(rt);
  let listRv = ctx.store.currentRv;
  let start = "";
  if (query.continue) {
    const token = decodeContinue(query.continue);
    if (token.rv < ctx.store.history(key).oldestAvailable()) {
      throw new ApiError({ message: EXPIRED_CONTINUE, reason: "Expired", code: 410 });
    }
    listRv = token.rv;
    start = token.start;
  }
  // Selected from the stored objects without copies; only the page handed out is copied.
  const inNamespace = rt.namespaced ? namespace : undefined;
  const all = ctx.store
    .peekAll(key)
    .filter((o) => inNamespace === undefined || o.metadata.namespace === inNamespace)
    .filter((o) => filter.matches(o) && itemId(o) > start)
    .sort((a, b) => (itemId(a) < itemId(b) ? -1 : itemId(a) > itemId(b) ? 1 : 0));
  const limit = query.limit && query.limit > 0 ? query.limit : all.length;
  const page = all.slice(0, limit);
  const metadata: ListResult["metadata"] = { resourceVersion: String(listRv) };
  const last = page[page.length - 1];
  if (all.length > page.length && last) {
    metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, start: itemId(last) })).toString(
      "base64url",
    );
    if (filter.labels.length === 0 && filter.fields.length === 0) {
      metadata.remainingItemCount = all.length - page.length;
    }
  }
  const items = page.map((o) => {
    const shown = present(rt, version, clone(o));
    if (rt.stripListItemTypeMeta) {
      delete shown.apiVersion;
      delete shown.kind;
    }
    return shown;
  });
  return { kind: rt.listKind, apiVersion: groupVersion(rt.group, version), metadata, items };
}
