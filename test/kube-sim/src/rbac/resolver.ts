/**
 * Finds the rules that apply to a user in a namespace, like the default rule resolver
 * (kubernetes pkg/registry/rbac/validation/rule.go VisitRulesFor): ClusterRoleBindings first, then the
 * RoleBindings of the namespace; a binding whose role is missing contributes a resolution error.
 */
import type { Store } from "../store.js";
import type { KubeObject } from "../types.js";
import { type PolicyRule, RBAC_GROUP, serviceAccountUsername, type UserInfo } from "./types.js";

export const KEYS = {
  roles: `roles.${RBAC_GROUP}`,
  roleBindings: `rolebindings.${RBAC_GROUP}`,
  clusterRoles: `clusterroles.${RBAC_GROUP}`,
  clusterRoleBindings: `clusterrolebindings.${RBAC_GROUP}`,
  serviceAccounts: "serviceaccounts",
} as const;

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export interface RuleSource {
  binding: KubeObject;
  bindingKind: "RoleBinding" | "ClusterRoleBinding";
  roleRef: RoleRef;
  /** How the authorizer names the grant: `RoleBinding "rb/ns" of Role "r" to ServiceAccount "sa/ns"`. */
  describe(subject: Subject): string;
}

export type RuleVisitor = (
  source: RuleSource,
  subject: Subject | undefined,
  rule?: PolicyRule,
  err?: string,
) => boolean;

export function subjectsOf(binding: KubeObject): Subject[] {
  const subjects = binding["subjects"];
  return Array.isArray(subjects) ? (subjects as Subject[]) : [];
}

export function roleRefOf(binding: KubeObject): RoleRef {
  return (binding["roleRef"] ?? { kind: "", name: "" }) as RoleRef;
}

export function rulesOf(role: KubeObject | undefined): PolicyRule[] {
  const rules = role?.["rules"];
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}

/** appliesToUser: User by name, Group by membership, ServiceAccount by its username. */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return user.name === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace;
      return ns !== "" && user.name === serviceAccountUsername(ns, subject.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === "ServiceAccount") return `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

export class RuleResolver {
  constructor(private readonly store: Store) {}

  /** The rules a roleRef points to, or an error text like the API server's NotFound. */
  roleRefRules(ref: RoleRef, namespace: string): { rules: PolicyRule[]; error?: string } {
    if (ref.kind === "ClusterRole") {
      const role = this.store.get(KEYS.clusterRoles, undefined, ref.name);
      if (!role) return { rules: [], error: `clusterrole.${RBAC_GROUP} "${ref.name}" not found` };
      return { rules: rulesOf(role) };
    }
    if (ref.kind === "Role") {
      const role = this.store.get(KEYS.roles, namespace, ref.name);
      if (!role) return { rules: [], error: `role.${RBAC_GROUP} "${ref.name}" not found` };
      return { rules: rulesOf(role) };
    }
    return { rules: [], error: `unsupported role reference kind: "${ref.kind}"` };
  }

  visitRulesFor(user: UserInfo, namespace: string, visitor: RuleVisitor): void {
    const visitBinding = (binding: KubeObject, bindingKind: RuleSource["bindingKind"]): boolean => {
      const bindingNs = binding.metadata.namespace ?? "";
      const subject = subjectsOf(binding).find((s) => subjectMatches(s, user, bindingNs));
      if (!subject) return true;
      const roleRef = roleRefOf(binding);
      const source: RuleSource = {
        binding,
        bindingKind,
        roleRef,
        describe: (s) => {
          const b = bindingNs ? `${binding.metadata.name}/${bindingNs}` : binding.metadata.name;
          const r = roleRef.kind === "Role" ? `${roleRef.name}/${bindingNs}` : roleRef.name;
          return `${bindingKind} "${b}" of ${roleRef.kind} "${r}" to ${describeSubject(s, bindingNs)}`;
        },
      };
      const { rules, error } = this.roleRefRules(roleRef, bindingNs);
      if (error) return visitor(source, subject, undefined, error);
      for (const rule of rules) if (!visitor(source, subject, rule)) return false;
      return true;
    };
    for (const crb of this.store.list(KEYS.clusterRoleBindings)) {
      if (!visitBinding(crb, "ClusterRoleBinding")) return;
    }
    if (!namespace) return;
    for (const rb of this.store.list(KEYS.roleBindings, namespace)) {
      if (!visitBinding(rb, "RoleBinding")) return;
    }
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, _subj, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}
