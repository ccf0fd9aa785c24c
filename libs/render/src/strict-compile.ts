import Handlebars, { type RuntimeOptions } from "handlebars";
import { TEMPLATE_HELPERS } from "./helpers.js";
import { MissingTemplateKeyError } from "./missing-template-key-error.js";
import { TemplateHelperError } from "./template-helper-error.js";
import { TemplateNotFoundError } from "./template-not-found-error.js";
import { TemplateRenderError } from "./template-render-error.js";
import { TemplateSyntaxError } from "./template-syntax-error.js";

export type HandlebarsInstance = ReturnType<typeof Handlebars.create>;
/** A compiled template; `options` is Handlebars' runtime options, passed through when used as a partial. */
export type CompiledTemplate = (context: object, options?: RuntimeOptions) => string;

/** `lookup` and `log` are unregistered below; without this the compiler would still inline calls to them. */
const COMPILE_OPTIONS = { strict: true, noEscape: true, knownHelpers: { lookup: false, log: false } };

/** A fresh Handlebars environment with only our helpers: nothing global, nothing shared between stores. */
export function createHandlebars(): HandlebarsInstance {
  const hb = Handlebars.create();
  // `lookup` returns undefined for a missing key, which would slip past strict mode; `log` prints to the console.
  hb.unregisterHelper("lookup");
  hb.unregisterHelper("log");
  for (const [name, helper] of Object.entries(TEMPLATE_HELPERS)) hb.registerHelper(name, helper);
  return hb;
}

/**
 * Handlebars' `strict` mode only checks the path of a plain mustache (`{{x}}`); helper arguments
 * (`{{#if x}}`, `{{shellQuote x}}`, `{{#each x}}`) are looked up leniently and a typo becomes `undefined`.
 * Marking every argument path `strict` makes those throw too, so no key is ever silently empty.
 */
function markArgumentsStrict(node: unknown, isArgument: boolean): void {
  if (Array.isArray(node)) {
    for (const child of node) markArgumentsStrict(child, isArgument);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (record["type"] === "PathExpression" && isArgument) record["strict"] = true;
  for (const [key, value] of Object.entries(record)) {
    if (key === "loc" || value === null || typeof value !== "object") continue;
    if (key === "params") markArgumentsStrict(value, true);
    else if (key === "hash") {
      const pairs = (value as { pairs?: { value: unknown }[] }).pairs ?? [];
      for (const pair of pairs) markArgumentsStrict(pair.value, true);
    } else markArgumentsStrict(value, false);
  }
}

/**
 * Parses (so syntax errors surface at load time, naming the file) and compiles a template in strict,
 * non-escaping mode. Runtime errors are rethrown as {@link TemplateRenderError}s naming `name`.
 * @throws TemplateSyntaxError
 */
export function compileStrict(hb: HandlebarsInstance, name: string, source: string): CompiledTemplate {
  let ast: ReturnType<HandlebarsInstance["parse"]>;
  try {
    ast = hb.parse(source, { srcName: name });
  } catch (err) {
    throw new TemplateSyntaxError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
  markArgumentsStrict(ast, false);
  const compiled = hb.compile(ast, COMPILE_OPTIONS);
  return (context: object, options?: RuntimeOptions) => {
    try {
      return compiled(context, options);
    } catch (err) {
      throw toRenderError(err, name);
    }
  };
}

const NOT_DEFINED = /^"([^"]+)" not defined in /;
const PARTIAL_NOT_FOUND = /^The partial (.+) could not be found/;

/** Maps what Handlebars throws to our typed errors (Handlebars has no error codes, only messages). */
export function toRenderError(err: unknown, template: string): TemplateRenderError {
  if (err instanceof TemplateRenderError) {
    if (err.template !== undefined) return err;
    // a helper error: say which template called the helper
    if (err instanceof TemplateHelperError) {
      return new TemplateHelperError(err.key, err.detail, { template, cause: err });
    }
    return new TemplateRenderError(`${template}: ${err.message}`, { template, key: err.key, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const position = err as { lineNumber?: unknown; column?: unknown };
  const missing = NOT_DEFINED.exec(message);
  if (missing?.[1] !== undefined) {
    return new MissingTemplateKeyError(
      template,
      missing[1],
      {
        line: typeof position.lineNumber === "number" ? position.lineNumber : undefined,
        column: typeof position.column === "number" ? position.column + 1 : undefined,
      },
      { cause: err },
    );
  }
  const partial = PARTIAL_NOT_FOUND.exec(message);
  if (partial?.[1] !== undefined) {
    return new TemplateNotFoundError(`partials/${partial[1]}`, { from: template, cause: err });
  }
  return new TemplateRenderError(`${template}: ${message}`, { template, cause: err });
}
