import { ApiError } from "../api-error.js";

/** What the authenticator says about a request's sender (k8s.io/apiserver user.Info). */
export interface UserInfo {
  name: string;
  uid?: string | undefined;
  groups: string[];
  extra?: Record<string, string[]> | undefined;
}

/** rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** authorizer.Attributes: one request (or one hypothetical request of an access review). */
export interface Attributes {
  verb: string;
  /** true for /api, /apis resource paths; false for /healthz, /version, discovery, /openapi. */
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Non-resource URL path. */
  path: string;
}

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const MASTERS_GROUP = "system:masters";
export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };
export const SA_PREFIX = "system:serviceaccount:";

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** Groups the ServiceAccount token authenticator gives (plus system:authenticated). */
export function serviceAccountGroups(namespace: string): string[] {
  return ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"];
}

/** "ns/name", "ns:name" or { namespace, name }. */
export type ServiceAccountRef = string | { namespace: string; name: string };

export function parseServiceAccountRef(ref: ServiceAccountRef): { namespace: string; name: string } {
  if (typeof ref !== "string") return ref;
  const m = /^([^/:]+)[/:]([^/:]+)$/.exec(ref);
  if (!m) throw new Error(`service account must be "namespace/name", got "${ref}"`);
  return { namespace: m[1] ?? "", name: m[2] ?? "" };
}

export function attributesResource(a: Attributes): string {
  return a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
}

/** The apiserver's forbiddenMessage (endpoints/handlers/responsewriters/errors.go). */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (!a.resourceRequest) return `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const what = `User "${user.name}" cannot ${a.verb} resource "${attributesResource(a)}" in API group "${a.apiGroup}"`;
  return a.namespace ? `${what} in the namespace "${a.namespace}"` : `${what} at the cluster scope`;
}

/** errors.NewForbidden: `pods "x" is forbidden: …`, `pods is forbidden: …`, `forbidden: …` (non-resource). */
export function forbiddenError(group: string, resource: string, name: string, why: string): ApiError {
  const qualified = resource ? (group ? `${resource}.${group}` : resource) : "";
  const prefix = qualified
    ? name
      ? `${qualified} "${name}" is forbidden`
      : `${qualified} is forbidden`
    : "forbidden";
  const details: Record<string, string> = {};
  if (name) details["name"] = name;
  if (group) details["group"] = group;
  if (resource) details["kind"] = resource;
  return new ApiError({ message: `${prefix}: ${why}`, reason: "Forbidden", details, code: 403 });
}

export function unauthorizedError(): ApiError {
  return new ApiError({ message: "Unauthorized", reason: "Unauthorized", code: 401 });
}
