/**
 * The authorizer chain of a kubeadm-style API server: the privileged-group authorizer (system:masters
 * may do anything) then RBAC (kubernetes plugin/pkg/auth/authorizer/rbac/rbac.go: the first rule that
 * allows wins; rules are deny by default; role resolution errors only add to the reason).
 */
import type { RequestInfo } from "../request-info.js";
import type { RuleResolver } from "./resolver.js";
import { ruleAllows } from "./rules.js";
import { type Attributes, MASTERS_GROUP, type UserInfo } from "./types.js";

export interface Decision {
  allowed: boolean;
  reason: string;
}

export function authorize(resolver: RuleResolver, user: UserInfo, a: Attributes): Decision {
  if (user.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: "" };
  let reason = "";
  let allowed = false;
  const errors: string[] = [];
  resolver.visitRulesFor(user, a.namespace, (source, subject, rule, err) => {
    if (rule && subject && ruleAllows(a, rule)) {
      allowed = true;
      reason = `RBAC: allowed by ${source.describe(subject)}`;
      return false;
    }
    if (err) errors.push(err);
    return true;
  });
  if (allowed) return { allowed, reason };
  if (errors.length === 1) return { allowed, reason: `RBAC: ${errors[0]}` };
  return { allowed, reason: errors.length > 1 ? `RBAC: [${errors.join(", ")}]` : "" };
}

/** list/watch with fieldSelector metadata.name=x carry the name, as the apiserver's RequestInfoFactory does. */
function nameFromFieldSelector(q: URLSearchParams): string {
  for (const part of (q.get("fieldSelector") ?? "").split(",")) {
    const m = /^metadata\.name(==?)(.*)$/.exec(part.trim());
    if (m) return m[2] ?? "";
  }
  return "";
}

/** Authorization attributes of one HTTP request. */
export function requestAttributes(info: RequestInfo): Attributes {
  const base = { apiGroup: "", resource: "", subresource: "", namespace: "", name: "", path: info.path };
  if (info.type !== "resource" || !info.resource) {
    return { ...base, verb: info.method.toLowerCase(), resourceRequest: false };
  }
  let name = info.name ?? "";
  if (!name && (info.verb === "list" || info.verb === "watch")) name = nameFromFieldSelector(info.query);
  // /api/v1/namespaces/foo is in the namespace "foo" for authorization.
  const namespace = info.resource === "namespaces" ? (info.name ?? "") : (info.namespace ?? "");
  return {
    ...base,
    verb: info.verb,
    resourceRequest: true,
    apiGroup: info.group,
    resource: info.resource,
    subresource: info.subresource ?? "",
    namespace,
    name,
  };
}
