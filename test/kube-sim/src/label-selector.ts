import { badRequest } from "./api-error.js";

/** One parsed requirement of a label selector (k8s.io/apimachinery/pkg/labels syntax). */
export interface LabelRequirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";
  values: string[];
}

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are not inside parentheses ("a in (x,y),b" → two parts). */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of input) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

const KEY = "[A-Za-z0-9][-A-Za-z0-9_./]*";
const SET_RE = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);
const CMP_RE = new RegExp(String.raw`^(${KEY})\s*(==|=|!=|>|<)\s*([-A-Za-z0-9_.]*)$`);
const EXISTS_RE = new RegExp(`^(${KEY})$`);
const NOT_EXISTS_RE = new RegExp(String.raw`^!\s*(${KEY})$`);

export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (input === undefined || input.trim() === "") return [];
  const requirements: LabelSelector = [];
  for (const raw of splitTopLevel(input)) {
    const part = raw.trim();
    let m = NOT_EXISTS_RE.exec(part);
    if (m?.[1]) {
      requirements.push({ key: m[1], op: "!", values: [] });
      continue;
    }
    m = SET_RE.exec(part);
    if (m?.[1] && m[2]) {
      const values = (m[3] ?? "").split(",").map((v) => v.trim());
      requirements.push({ key: m[1], op: m[2] === "in" ? "in" : "notin", values });
      continue;
    }
    m = CMP_RE.exec(part);
    if (m?.[1] && m[2]) {
      const op = m[2] === "==" ? "=" : (m[2] as "=" | "!=" | ">" | "<");
      requirements.push({ key: m[1], op, values: [m[3] ?? ""] });
      continue;
    }
    m = EXISTS_RE.exec(part);
    if (m?.[1]) {
      requirements.push({ key: m[1], op: "exists", values: [] });
      continue;
    }
    throw badRequest(`unable to parse requirement: invalid label selector: "${input}"`);
  }
  return requirements;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((req) => {
    const has = Object.hasOwn(l, req.key);
    const value = l[req.key];
    switch (req.op) {
      case "=":
        return has && value === req.values[0];
      case "!=":
        return !has || value !== req.values[0];
      case "in":
        return has && req.values.includes(value ?? "");
      case "notin":
        return !has || !req.values.includes(value ?? "");
      case "exists":
        return has;
      case "!":
        return !has;
      case ">":
      case "<": {
        const n = Number(value);
        const bound = Number(req.values[0]);
        if (!has || Number.isNaN(n) || Number.isNaN(bound)) return false;
        return req.op === ">" ? n > bound : n < bound;
      }
    }
    return false;
  });
}

/** Evaluates a metav1.LabelSelector object (matchLabels + matchExpressions), as used in Job selectors. */
export function matchesSelectorObject(
  selector: unknown,
  labels: Record<string, string> | undefined,
): boolean {
  if (typeof selector !== "object" || selector === null) return false;
  const s = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const reqs: LabelSelector = [];
  for (const [key, value] of Object.entries(s.matchLabels ?? {}))
    reqs.push({ key, op: "=", values: [value] });
  for (const e of s.matchExpressions ?? []) {
    const op = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" }[e.operator];
    if (!op) return false;
    reqs.push({ key: e.key, op: op as LabelRequirement["op"], values: e.values ?? [] });
  }
  return matchesLabels(reqs, labels);
}
