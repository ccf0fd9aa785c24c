import { badRequest } from "./api-error.js";

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Splits on commas not escaped with a backslash, as fields.ParseSelector does. */
function splitUnescaped(input: string, sep: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === "\\" && i + 1 < input.length) {
      current += ch + input[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}

export function parseFieldSelector(input: string | undefined): FieldSelector {
  if (input === undefined || input.trim() === "") return [];
  return splitUnescaped(input, ",").map((part) => {
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part.trim());
    if (!m?.[1] || !m[2]) throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    return { field: m[1], op: m[2] === "!=" ? "!=" : "=", value: unescapeValue(m[3] ?? "") };
  });
}

/**
 * Validates the selector against the fields a resource supports (the real API answers 400
 * `field label not supported: x` for anything else) and evaluates it against a field set.
 */
export function checkFieldSelector(selector: FieldSelector, supported: ReadonlySet<string>): void {
  for (const req of selector) {
    if (!supported.has(req.field)) throw badRequest(`field label not supported: ${req.field}`);
  }
}

export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  return selector.every((req) => {
    const value = fields[req.field] ?? "";
    return req.op === "=" ? value === req.value : value !== req.value;
  });
}
