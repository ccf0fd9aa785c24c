/**
 * What each identity actually did, for least-privilege tests: every authorised request is counted per
 * (user, verb, group, resource/subresource, namespace, name); `unusedGrants` lists the verb/resource
 * pairs of a ServiceAccount's own Roles that no request exercised.
 */
import type { Store } from "../store.js";
import type { KubeObject } from "../types.js";
import { KEYS, type RuleResolver, roleRefOf, subjectsOf } from "./resolver.js";
import { ruleAllows } from "./rules.js";
import {
  type Attributes,
  type PolicyRule,
  parseServiceAccountRef,
  type ServiceAccountRef,
  serviceAccountUsername,
  type UserInfo,
} from "./types.js";

export interface UsageEntry extends Attributes {
  user: string;
  allowed: boolean;
  count: number;
}

export interface UnusedGrant {
  /** `RoleBinding agents/dispatcher → Role agents/dispatcher` */
  binding: string;
  /** namespace the grant applies in ("" for a ClusterRoleBinding) */
  namespace: string;
  /** one verb of one resource (or non-resource URL) of the rule, e.g. { verbs: ["delete"], … } */
  rule: PolicyRule;
  /** `delete jobs.batch in agents` */
  description: string;
}

export class UsageTracker {
  private readonly entries = new Map<string, UsageEntry>();

  record(user: UserInfo, a: Attributes, allowed: boolean): void {
    const key = JSON.stringify([
      user.name,
      a.verb,
      a.apiGroup,
      a.resource,
      a.subresource,
      a.namespace,
      a.name,
      a.resourceRequest ? "" : a.path,
      allowed,
    ]);
    const entry = this.entries.get(key);
    if (entry) entry.count++;
    else this.entries.set(key, { ...a, user: user.name, allowed, count: 1 });
  }

  list(filter: { user?: string; serviceAccount?: ServiceAccountRef } = {}): UsageEntry[] {
    const user = filter.serviceAccount ? saName(filter.serviceAccount) : filter.user;
    return [...this.entries.values()]
      .filter((e) => user === undefined || e.user === user)
      .map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries.clear();
  }

  unusedGrants(store: Store, resolver: RuleResolver, ref: ServiceAccountRef): UnusedGrant[] {
    const sa = parseServiceAccountRef(ref);
    const user = serviceAccountUsername(sa.namespace, sa.name);
    const used = this.list({ user }).filter((e) => e.allowed);
    const out: UnusedGrant[] = [];
    const bindings = [
      ...store.list(KEYS.clusterRoleBindings).map((b) => ({ b, kind: "ClusterRoleBinding" })),
      ...store.list(KEYS.roleBindings).map((b) => ({ b, kind: "RoleBinding" })),
    ];
    for (const { b, kind } of bindings) {
      const ns = b.metadata.namespace ?? "";
      const direct = subjectsOf(b).some(
        (s) => s.kind === "ServiceAccount" && s.name === sa.name && (s.namespace || ns) === sa.namespace,
      );
      if (!direct) continue;
      const ref = roleRefOf(b);
      const label = `${kind} ${qualifiedName(b)} → ${ref.kind} ${ref.kind === "Role" ? `${ns}/` : ""}${ref.name}`;
      for (const rule of resolver.roleRefRules(ref, ns).rules) {
        for (const atom of splitRule(rule)) {
          const exercised = used.some((e) => (ns === "" || e.namespace === ns) && ruleAllows(e, atom));
          if (!exercised)
            out.push({ binding: label, namespace: ns, rule: atom, description: describe(atom, ns) });
        }
      }
    }
    return out;
  }
}

const saName = (ref: ServiceAccountRef) => {
  const sa = parseServiceAccountRef(ref);
  return serviceAccountUsername(sa.namespace, sa.name);
};

const qualifiedName = (o: KubeObject) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? "");

/** One verb × one resource (resourceNames kept together: any of them used counts). */
function splitRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    if (rule.nonResourceURLs?.length) {
      for (const url of rule.nonResourceURLs) out.push({ verbs: [verb], nonResourceURLs: [url] });
      continue;
    }
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {};
        out.push({ verbs: [verb], apiGroups: [group], resources: [resource], ...names });
      }
    }
  }
  return out;
}

function describe(atom: PolicyRule, ns: string): string {
  const verb = atom.verbs[0] ?? "";
  if (atom.nonResourceURLs) return `${verb} ${atom.nonResourceURLs[0]}`;
  const group = atom.apiGroups?.[0] ?? "";
  const resource = atom.resources?.[0] ?? "";
  const names = atom.resourceNames?.length ? ` named ${atom.resourceNames.join(",")}` : "";
  return `${verb} ${group ? `${resource}.${group}` : resource}${names}${ns ? ` in ${ns}` : " cluster-wide"}`;
}
