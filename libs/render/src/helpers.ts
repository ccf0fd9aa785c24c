import type { HelperDelegate, HelperOptions } from "handlebars";
import { shellQuote } from "./shell-quote.js";
import { TemplateHelperError } from "./template-helper-error.js";

type Helpers = Record<string, HelperDelegate>;

/** Every call passes Handlebars' options object last; this strips it. */
function argsOf(args: unknown[]): unknown[] {
  return args.slice(0, -1);
}

function optionsOf(args: unknown[]): HelperOptions {
  return args[args.length - 1] as HelperOptions;
}

/**
 * The context never holds `undefined` (absent values are `null`), so an `undefined` argument means a
 * sub-expression produced nothing, which is a template bug: refuse it rather than render an empty string.
 */
function defined(helper: string, values: unknown[]): void {
  values.forEach((value, index) => {
    if (value === undefined) throw new TemplateHelperError(helper, `argument ${index + 1} is undefined`);
  });
}

function shellQuoteHelper(...args: unknown[]): string {
  const [value] = argsOf(args);
  if (argsOf(args).length !== 1) throw new TemplateHelperError("shellQuote", "takes exactly one argument");
  if (value === null) return "''";
  if (typeof value === "string") {
    if (value.includes("\0")) throw new TemplateHelperError("shellQuote", "value contains a NUL byte");
    return shellQuote(value);
  }
  if (typeof value === "number" || typeof value === "boolean") return shellQuote(String(value));
  throw new TemplateHelperError(
    "shellQuote",
    `expects a string, number, boolean or null, got ${Array.isArray(value) ? "an array" : typeof value}`,
  );
}

/**
 * `{{json value}}` prints pretty JSON (2 spaces). `indent=N` prefixes every line after the first with N
 * spaces so the value nests inside a hand-written JSON template; `compact=true` prints it on one line.
 */
function jsonHelper(...args: unknown[]): string {
  const values = argsOf(args);
  if (values.length !== 1) throw new TemplateHelperError("json", "takes exactly one argument");
  defined("json", values);
  const hash = optionsOf(args).hash as { indent?: unknown; compact?: unknown };
  const text = JSON.stringify(values[0], null, hash.compact === true ? undefined : 2);
  const indent = typeof hash.indent === "number" ? hash.indent : 0;
  return indent > 0 ? text.replaceAll("\n", `\n${" ".repeat(indent)}`) : text;
}

function listOf(helper: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new TemplateHelperError(helper, "expects an array");
  return value;
}

/** The helpers every template may use. Registered on an isolated Handlebars instance. */
export const TEMPLATE_HELPERS: Helpers = {
  eq: (...args: unknown[]) => {
    const [a, b] = argsOf(args);
    defined("eq", [a, b]);
    return a === b;
  },
  ne: (...args: unknown[]) => {
    const [a, b] = argsOf(args);
    defined("ne", [a, b]);
    return a !== b;
  },
  gt: (...args: unknown[]) => {
    const [a, b] = argsOf(args);
    if (typeof a !== "number" || typeof b !== "number")
      throw new TemplateHelperError("gt", "expects numbers");
    return a > b;
  },
  lt: (...args: unknown[]) => {
    const [a, b] = argsOf(args);
    if (typeof a !== "number" || typeof b !== "number")
      throw new TemplateHelperError("lt", "expects numbers");
    return a < b;
  },
  and: (...args: unknown[]) => {
    const values = argsOf(args);
    defined("and", values);
    return values.every(Boolean);
  },
  or: (...args: unknown[]) => {
    const values = argsOf(args);
    defined("or", values);
    return values.some(Boolean);
  },
  not: (...args: unknown[]) => {
    const values = argsOf(args);
    defined("not", values);
    return !values[0];
  },
  json: jsonHelper,
  shellQuote: shellQuoteHelper,
  /** `{{default value "fallback"}}`: the value unless it is null or the empty string */
  default: (...args: unknown[]) => {
    const [value, fallback] = argsOf(args);
    defined("default", [value, fallback]);
    return value === null || value === "" ? fallback : value;
  },
  /** `{{join list ", "}}` */
  join: (...args: unknown[]) => {
    const [list, separator] = argsOf(args);
    const sep = separator === undefined ? ", " : String(separator);
    return listOf("join", list).map(String).join(sep);
  },
  /** `{{#if (includes list "x")}}` */
  includes: (...args: unknown[]) => {
    const [list, item] = argsOf(args);
    defined("includes", [item]);
    return listOf("includes", list).includes(item);
  },
  /** `{{concat "feature/" name}}`: strings (and numbers) joined without a separator */
  concat: (...args: unknown[]) => {
    const values = argsOf(args);
    defined("concat", values);
    return values.map((v) => (v === null ? "" : String(v))).join("");
  },
};
