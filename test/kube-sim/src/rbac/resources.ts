/**
 * The RBAC kinds (rbac.authorization.k8s.io/v1), core/v1 ServiceAccounts, and the access-review kinds
 * (served for discovery; their POSTs are answered by reviews.ts, never stored).
 */
import { type FieldError, invalid, notSupported, required } from "../field-errors.js";
import { builtinType, type ResourceType } from "../resource-type.js";
import type { KubeObject } from "../types.js";
import { type RoleRef, roleRefOf, subjectsOf } from "./resolver.js";
import { RBAC_GROUP } from "./types.js";

/** Called on client writes of Roles/bindings (the escalation check); throws a 403 ApiError. */
export type EscalationGuard = (kind: string, obj: KubeObject) => void;

function validateRules(obj: KubeObject, allowNonResource: boolean): FieldError[] {
  const rules = obj["rules"] ?? [];
  if (!Array.isArray(rules)) return [invalid("rules", rules, "must be a list")];
  const errors: FieldError[] = [];
  rules.forEach((rule: Record<string, unknown>, i) => {
    const path = `rules[${i}]`;
    const list = (k: string) => (Array.isArray(rule[k]) ? (rule[k] as unknown[]) : []);
    if (list("verbs").length === 0)
      errors.push(required(`${path}.verbs`, "verbs must contain at least one value"));
    const nonResource = list("nonResourceURLs").length > 0;
    if (nonResource && !allowNonResource) {
      errors.push(
        invalid(
          `${path}.nonResourceURLs`,
          rule["nonResourceURLs"],
          "namespaced rules cannot apply to non-resource URLs",
        ),
      );
    }
    if (nonResource && (list("apiGroups").length > 0 || list("resources").length > 0)) {
      errors.push(
        invalid(
          `${path}.nonResourceURLs`,
          rule["nonResourceURLs"],
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    }
    if (nonResource) return;
    if (list("apiGroups").length === 0) {
      errors.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
    }
    if (list("resources").length === 0) {
      errors.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
    }
  });
  return errors;
}

function validateBinding(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const ref = obj["roleRef"] as RoleRef | undefined;
  if (!ref || typeof ref !== "object") return [required("roleRef")];
  if (ref.apiGroup !== RBAC_GROUP)
    errors.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [RBAC_GROUP]));
  const kinds = clusterScoped ? ["ClusterRole"] : ["Role", "ClusterRole"];
  if (!kinds.includes(ref.kind)) errors.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  if (!ref.name) errors.push(required("roleRef.name"));
  subjectsOf(obj).forEach((s, i) => {
    const path = `subjects[${i}]`;
    if (!["ServiceAccount", "User", "Group"].includes(s.kind)) {
      errors.push(notSupported(`${path}.kind`, s.kind ?? "", ["ServiceAccount", "User", "Group"]));
    }
    if (!s.name) errors.push(required(`${path}.name`));
    if (s.kind === "ServiceAccount" && clusterScoped && !s.namespace)
      errors.push(required(`${path}.namespace`));
  });
  return errors;
}

function validateRoleRefUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const a = roleRefOf(obj);
  const b = roleRefOf(old);
  if (a.kind === b.kind && a.name === b.name && a.apiGroup === b.apiGroup) return [];
  return [invalid("roleRef", a, "cannot change roleRef")];
}

export function rbacResourceTypes(guard: EscalationGuard): ResourceType[] {
  const rbac = (plural: string, kind: string, namespaced: boolean, extra: Partial<ResourceType>) =>
    builtinType({
      group: RBAC_GROUP,
      plural,
      singular: kind.toLowerCase(),
      kind,
      namespaced,
      nameRule: "path",
      ...extra,
    });
  const guarded = (kind: string, validate: (o: KubeObject) => FieldError[], binding: boolean) => ({
    prepareForCreate: (obj: KubeObject) => guard(kind, obj),
    prepareForUpdate: (obj: KubeObject) => guard(kind, obj),
    validate,
    ...(binding ? { validateUpdate: validateRoleRefUpdate } : {}),
  });
  return [
    rbac("roles", "Role", true, { strategy: guarded("Role", (o) => validateRules(o, false), false) }),
    rbac("clusterroles", "ClusterRole", false, {
      strategy: guarded("ClusterRole", (o) => validateRules(o, true), false),
    }),
    rbac("rolebindings", "RoleBinding", true, {
      strategy: guarded("RoleBinding", (o) => validateBinding(o, false), true),
    }),
    rbac("clusterrolebindings", "ClusterRoleBinding", false, {
      strategy: guarded("ClusterRoleBinding", (o) => validateBinding(o, true), true),
    }),
    builtinType({
      group: "",
      plural: "serviceaccounts",
      singular: "serviceaccount",
      kind: "ServiceAccount",
      namespaced: true,
      shortNames: ["sa"],
    }),
  ];
}

const review = (group: string, plural: string, kind: string, namespaced = false) =>
  builtinType({ group, plural, singular: kind.toLowerCase(), kind, namespaced, listKind: kind });

/** Create-only review kinds; requests for them never reach the store. */
export const REVIEW_TYPES: readonly ResourceType[] = [
  review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
  review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
  review("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview"),
  review("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
  review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview"),
];
