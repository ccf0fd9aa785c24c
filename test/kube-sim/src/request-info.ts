import { queryBool } from "./query-params.js";

/**
 * Splits an API path into its parts, mirroring apiserver's RequestInfoFactory:
 * /api/v1/namespaces/ns/pods/name/log, /apis/batch/v1/jobs, legacy /api/v1/watch/... paths, and the
 * namespaces/{name}/status special case.
 */
export interface RequestInfo {
  type: "resource" | "discovery" | "other";
  method: string;
  path: string;
  query: URLSearchParams;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  group: string;
  version: string;
  namespace?: string | undefined;
  resource?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function verbFor(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      if (watch) return "watch";
      return hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const parts = url.pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  const base = { method, path: url.pathname, query: url.searchParams, group: "", version: "" };
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length <= 2) return { ...base, type: "discovery", verb: "get", version: parts[1] ?? "" };
    rest = parts.slice(2);
    base.version = parts[1] ?? "";
  } else if (parts[0] === "apis") {
    if (parts.length <= 3) {
      return { ...base, type: "discovery", verb: "get", group: parts[1] ?? "", version: parts[2] ?? "" };
    }
    base.group = parts[1] ?? "";
    base.version = parts[2] ?? "";
    rest = parts.slice(3);
  } else {
    return { ...base, type: "other", verb: method === "GET" ? "get" : method.toLowerCase() };
  }

  let watch = queryBool(url.searchParams, "watch") ?? false;
  if (rest[0] === "watch") {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? "")) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  // GET /api/v1/namespaces/foo is the namespace object itself, not a namespaced request.
  if (resource === "namespaces") namespace = undefined;
  return {
    ...base,
    type: "resource",
    verb: verbFor(method, name !== undefined, watch),
    namespace,
    resource,
    name,
    subresource,
  };
}
