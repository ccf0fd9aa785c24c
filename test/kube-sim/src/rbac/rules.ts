/**
 * Rule evaluation as the RBAC authorizer does it (kubernetes pkg/apis/rbac/v1/evaluation_helpers.go,
 * plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows) and the escalation check's coverage test
 * (pkg/registry/rbac/validation: Covers breaks rules into one-verb/one-resource atoms).
 */
import { type Attributes, attributesResource, type PolicyRule } from "./types.js";

const has = (list: readonly string[] | undefined, value: string) =>
  (list ?? []).some((x) => x === "*" || x === value);

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some(
    (r) => r === "*" || r === combined || (subresource !== "" && r === `*/${subresource}`),
  );
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))),
  );
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path);
  return (
    apiGroupMatches(rule, a.apiGroup) &&
    resourceMatches(rule, attributesResource(a), a.subresource) &&
    resourceNameMatches(rule, a.name)
  );
}

/** One verb on one resource (or URL), optionally one name: the unit the escalation check compares. */
function atoms(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names) {
          out.push({
            verbs: [verb],
            apiGroups: [group],
            resources: [resource],
            ...(name !== undefined ? { resourceNames: [name] } : {}),
          });
        }
      }
    }
  }
  return out;
}

function covers(owner: PolicyRule, atom: PolicyRule): boolean {
  const verb = atom.verbs[0] ?? "";
  if (!owner.verbs.includes("*") && !owner.verbs.includes(verb)) return false;
  if (atom.nonResourceURLs) {
    const url = atom.nonResourceURLs[0] ?? "";
    return (owner.nonResourceURLs ?? []).some(
      (u) => u === "*" || u === url || (u.endsWith("*") && url.startsWith(u.replace(/\*+$/, ""))),
    );
  }
  const group = atom.apiGroups?.[0] ?? "";
  const resource = atom.resources?.[0] ?? "";
  if (!(owner.apiGroups ?? []).some((g) => g === "*" || g === group)) return false;
  const sub = resource.includes("/") ? resource.slice(resource.indexOf("/") + 1) : "";
  if (!(owner.resources ?? []).some((r) => r === "*" || r === resource || (sub !== "" && r === `*/${sub}`)))
    return false;
  const ownerNames = owner.resourceNames ?? [];
  if (ownerNames.length === 0) return true;
  const name = atom.resourceNames?.[0];
  return name !== undefined && ownerNames.includes(name);
}

/** The parts of `requested` that no rule of `owner` covers (empty: no escalation). */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  return requested.flatMap(atoms).filter((atom) => !owner.some((o) => covers(o, atom)));
}

const q = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;

/** rbacv1helpers.CompactString, used in escalation messages. */
export function compactRule(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

/** CompactRules + sort (validation.ConfirmNoEscalation): one rule per group/resource with merged verbs. */
export function compactMissing(missing: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of missing) {
    const simple = !r.resourceNames?.length && !r.nonResourceURLs?.length;
    const key = JSON.stringify([r.apiGroups, r.resources]);
    const existing = simple ? merged.get(key) : undefined;
    if (existing) {
      for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
      continue;
    }
    const copy = { ...r, verbs: [...r.verbs] };
    if (simple) merged.set(key, copy);
    out.push(copy);
  }
  return out.sort((a, b) => compactRule(a).localeCompare(compactRule(b)));
}

export function quotedList(list: readonly string[]): string {
  return q(list);
}
