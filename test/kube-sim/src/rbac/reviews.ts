/**
 * The access-review APIs kubectl uses: SelfSubjectAccessReview (`kubectl auth can-i`),
 * SelfSubjectRulesReview (`can-i --list`), SubjectAccessReview / LocalSubjectAccessReview (`can-i --as`
 * goes through impersonation instead), SelfSubjectReview (`kubectl auth whoami`). Answers are computed,
 * never stored, and hypothetical checks are not counted as usage.
 */
import { badRequest } from "../api-error.js";
import { isObject } from "../json-utils.js";
import type { RequestInfo } from "../request-info.js";
import { authorize, type Decision } from "./authorizer.js";
import type { RuleResolver } from "./resolver.js";
import type { Attributes, PolicyRule, UserInfo } from "./types.js";

const str = (o: Record<string, unknown>, k: string) => (typeof o[k] === "string" ? (o[k] as string) : "");

function specAttributes(spec: Record<string, unknown>, forcedNamespace?: string): Attributes {
  const r = spec["resourceAttributes"];
  const n = spec["nonResourceAttributes"];
  if (isObject(r)) {
    return {
      verb: str(r, "verb"),
      resourceRequest: true,
      apiGroup: str(r, "group"),
      resource: str(r, "resource"),
      subresource: str(r, "subresource"),
      namespace: forcedNamespace ?? str(r, "namespace"),
      name: str(r, "name"),
      path: "",
    };
  }
  if (isObject(n)) {
    return {
      verb: str(n, "verb"),
      resourceRequest: false,
      apiGroup: "",
      resource: "",
      subresource: "",
      namespace: "",
      name: "",
      path: str(n, "path"),
    };
  }
  throw badRequest(
    "spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
  );
}

function accessStatus(d: Decision): Record<string, unknown> {
  return d.reason ? { allowed: d.allowed, reason: d.reason } : { allowed: d.allowed };
}

function specUser(spec: Record<string, unknown>): UserInfo {
  const groups = Array.isArray(spec["groups"]) ? (spec["groups"] as string[]) : [];
  if (!str(spec, "user") && groups.length === 0) {
    throw badRequest('spec.user: Invalid value: "": at least one of user or group must be specified');
  }
  const extra = isObject(spec["extra"]) ? (spec["extra"] as Record<string, string[]>) : undefined;
  return { name: str(spec, "user"), uid: str(spec, "uid") || undefined, groups, extra };
}

function rulesReview(resolver: RuleResolver, user: UserInfo, namespace: string): Record<string, unknown> {
  const { rules, errors } = resolver.rulesFor(user, namespace);
  const pick = (r: PolicyRule, keys: (keyof PolicyRule)[]) =>
    Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
  return {
    resourceRules: rules
      .filter((r) => r.resources?.length)
      .map((r) => pick(r, ["verbs", "apiGroups", "resources", "resourceNames"])),
    nonResourceRules: rules
      .filter((r) => r.nonResourceURLs?.length)
      .map((r) => pick(r, ["verbs", "nonResourceURLs"])),
    incomplete: errors.length > 0,
    ...(errors.length ? { evaluationError: errors.join(", ") } : {}),
  };
}

/** The answer body (201) for a POST to a review resource, or undefined if `info` is not one. */
export function answerReview(
  resolver: RuleResolver,
  info: RequestInfo,
  user: UserInfo,
  body: unknown,
): unknown {
  if (!isObject(body)) throw badRequest("the request body must be a JSON object");
  const spec = isObject(body["spec"]) ? body["spec"] : {};
  const base = {
    kind: body["kind"],
    apiVersion: `${info.group}/${info.version}`,
    metadata: { creationTimestamp: null },
  };
  switch (info.resource) {
    case "selfsubjectaccessreviews":
      return {
        ...base,
        kind: "SelfSubjectAccessReview",
        spec,
        status: accessStatus(authorize(resolver, user, specAttributes(spec))),
      };
    case "subjectaccessreviews":
      return {
        ...base,
        kind: "SubjectAccessReview",
        spec,
        status: accessStatus(authorize(resolver, specUser(spec), specAttributes(spec))),
      };
    case "localsubjectaccessreviews": {
      const ns = info.namespace ?? "";
      const attrs = specAttributes(spec, ns);
      const r = spec["resourceAttributes"];
      if (isObject(r) && str(r, "namespace") && str(r, "namespace") !== ns) {
        throw badRequest(`spec.resourceAttributes.namespace must match metadata.namespace "${ns}"`);
      }
      return {
        ...base,
        kind: "LocalSubjectAccessReview",
        metadata: { namespace: ns, creationTimestamp: null },
        spec,
        status: accessStatus(authorize(resolver, specUser(spec), attrs)),
      };
    }
    case "selfsubjectrulesreviews":
      if (!str(spec, "namespace")) throw badRequest("spec.namespace: Required value: namespace is required");
      return {
        ...base,
        kind: "SelfSubjectRulesReview",
        spec,
        status: rulesReview(resolver, user, str(spec, "namespace")),
      };
    case "selfsubjectreviews": {
      const userInfo = {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups,
        ...(user.extra ? { extra: user.extra } : {}),
      };
      return { ...base, kind: "SelfSubjectReview", status: { userInfo } };
    }
    default:
      return undefined;
  }
}

export const REVIEW_GROUPS = new Set(["authorization.k8s.io", "authentication.k8s.io"]);
