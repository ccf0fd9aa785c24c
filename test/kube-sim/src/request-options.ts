import { parse as parseYaml } from "yaml";
import { badRequest } from "./api-error.js";
import type { DeleteOptions } from "./delete-object.js";
import { isObject } from "./json-utils.js";
import { queryBool } from "./query-params.js";

/** Decodes a JSON or YAML request body; malformed input is a 400 naming the decoder error. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  try {
    return (contentType ?? "").includes("yaml") ? parseYaml(raw) : JSON.parse(raw);
  } catch (err) {
    throw badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** dryRun from the query or (DELETE) the DeleteOptions body; only "All" is supported, as on a real server. */
export function dryRun(q: URLSearchParams, body?: unknown): boolean {
  const fromBody = isObject(body) && Array.isArray(body["dryRun"]) ? body["dryRun"].map(String) : [];
  const values = [...q.getAll("dryRun"), ...fromBody];
  if (values.length === 0 || values.every((v) => v === "")) return false;
  if (values.every((v) => v === "All")) return true;
  throw badRequest(`dryRun: Unsupported value: "${values.join(",")}": supported values: "All"`);
}

export function optionalInt(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name}: "${raw}"`);
  return n;
}

/**
 * DeleteOptions from the query and the body (kubectl and client-node send them in the body); a query
 * parameter wins over the body, as the apiserver decodes the query over the body.
 */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isObject(body) ? body : {};
  const grace =
    optionalInt(q, "gracePeriodSeconds") ??
    (typeof b["gracePeriodSeconds"] === "number" ? b["gracePeriodSeconds"] : undefined);
  const orphan =
    queryBool(q, "orphanDependents") ??
    (typeof b["orphanDependents"] === "boolean" ? b["orphanDependents"] : undefined);
  return {
    propagationPolicy:
      q.get("propagationPolicy") ??
      (typeof b["propagationPolicy"] === "string" ? b["propagationPolicy"] : undefined),
    orphanDependents: orphan,
    gracePeriodSeconds: grace,
    preconditions: isObject(b["preconditions"])
      ? (b["preconditions"] as DeleteOptions["preconditions"])
      : undefined,
  };
}

export function listQuery(q: URLSearchParams) {
  return {
    labelSelector: q.get("labelSelector") ?? undefined,
    fieldSelector: q.get("fieldSelector") ?? undefined,
    limit: optionalInt(q, "limit"),
    continue: q.get("continue") ?? undefined,
  };
}
