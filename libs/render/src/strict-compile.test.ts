import { describe, expect, it } from "vitest";
import { MissingTemplateKeyError } from "./missing-template-key-error.js";
import { compileStrict, createHandlebars } from "./strict-compile.js";
import { TemplateHelperError } from "./template-helper-error.js";
import { TemplateNotFoundError } from "./template-not-found-error.js";
import { TemplateSyntaxError } from "./template-syntax-error.js";

function render(source: string, context: object, name = "docs/test.md.hbs"): string {
  return compileStrict(createHandlebars(), name, source)(context);
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

describe("strict template compilation", () => {
  it.each([
    ["a plain mustache", "x {{missing}} y"],
    ["an #if argument", "{{#if missing}}yes{{/if}}"],
    ["an #each argument", "{{#each missing}}{{this}}{{/each}}"],
    ["a helper argument", "A={{shellQuote missing}}"],
    ["a nested helper argument", "{{#if (eq (default missing 1) 1)}}x{{/if}}"],
    ["a hash argument", "{{json present indent=missing}}"],
    ["a key inside a block", "{{#each list}}{{missing}}{{/each}}"],
  ])("fails on an unknown key in %s, naming the template and the key", (_, source) => {
    const err = errorOf(() => render(source, { present: 1, list: [{ other: 1 }] }));
    expect(err).toBeInstanceOf(MissingTemplateKeyError);
    expect(err).toMatchObject({
      name: "MissingTemplateKeyError",
      template: "docs/test.md.hbs",
      key: "missing",
    });
    expect((err as Error).message).toMatch(/^docs\/test\.md\.hbs:1:\d+: unknown key "missing"/);
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it("fails on a property of a null value", () => {
    expect(errorOf(() => render("{{a.b}}", { a: null }))).toMatchObject({ key: "b" });
  });

  it("renders null and false keys that exist", () => {
    expect(render("[{{#if a}}a{{/if}}{{#unless b}}not b{{/unless}}]", { a: null, b: false })).toBe("[not b]");
  });

  it("does not HTML-escape values", () => {
    const value = `a & b < c > d "e" 'f' \`g\` =`;
    expect(render("{{v}}", { v: value })).toBe(value);
    expect(render("{{{v}}}", { v: value })).toBe(value);
  });

  it("names the partial in which a key is missing", () => {
    const hb = createHandlebars();
    hb.registerPartial("lib", compileStrict(hb, "partials/lib.sh.hbs", "{{nope}}"));
    const err = errorOf(() => compileStrict(hb, "docs/container.sh.hbs", "{{> lib}}")({}));
    expect(err).toMatchObject({
      name: "MissingTemplateKeyError",
      template: "partials/lib.sh.hbs",
      key: "nope",
    });
  });

  it("reports a missing partial as a missing template", () => {
    const err = errorOf(() => render("{{> nowhere}}", {}, "code/container.sh.hbs"));
    expect(err).toBeInstanceOf(TemplateNotFoundError);
    expect(err).toMatchObject({ template: "code/container.sh.hbs", key: "partials/nowhere" });
  });

  it("reports syntax errors when compiling, naming the file", () => {
    const err = errorOf(() => compileStrict(createHandlebars(), "code/mcp.json.hbs", "{{#if x}}"));
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err).toMatchObject({ template: "code/mcp.json.hbs" });
  });

  it("reports helper misuse with the template and the helper", () => {
    const err = errorOf(() => render("{{shellQuote list}}", { list: ["a"] }, "code/container.sh.hbs"));
    expect(err).toBeInstanceOf(TemplateHelperError);
    expect(err).toMatchObject({ template: "code/container.sh.hbs", key: "shellQuote" });
    expect((err as Error).message).toContain("expects a string, number, boolean or null, got an array");
  });
});

describe("helpers", () => {
  it.each([
    ["{{eq a 1}} {{ne a 1}} {{eq s 'x'}}", "true false true"],
    ["{{and t t}} {{and t f}} {{or f t}} {{or f f}} {{not f}}", "true false true false true"],
    ["{{gt a 0}} {{lt a 0}}", "true false"],
    ["{{default n 'fallback'}} {{default e 'fallback'}} {{default s 'fallback'}}", "fallback fallback x"],
    ["{{join list}}|{{join list '-'}}", "p, q|p-q"],
    ["{{includes list 'q'}} {{includes list 'z'}}", "true false"],
    ["{{concat 'feature/task-' a '-impl'}}", "feature/task-1-impl"],
    ["{{shellQuote s}} {{shellQuote a}} {{shellQuote t}} {{shellQuote n}}", "'x' '1' 'true' ''"],
    ["{{json obj compact=true}}", `{"k":["v",1]}`],
  ])("%s", (source, expected) => {
    const context = {
      a: 1,
      s: "x",
      t: true,
      f: false,
      n: null,
      e: "",
      list: ["p", "q"],
      obj: { k: ["v", 1] },
    };
    expect(render(source, context)).toBe(expected);
  });

  it("json pretty-prints and indents continuation lines", () => {
    expect(render(`{\n  "a": {{json obj indent=2}}\n}`, { obj: { k: [1] } })).toBe(
      `{\n  "a": {\n    "k": [\n      1\n    ]\n  }\n}`,
    );
  });

  it("shellQuote refuses a NUL byte", () => {
    expect(errorOf(() => render("{{shellQuote s}}", { s: "a\0b" }))).toBeInstanceOf(TemplateHelperError);
  });
});

describe("the Handlebars environment", () => {
  it("has no lookup helper, which could read a missing key without failing", () => {
    expect(errorOf(() => render(`{{lookup obj "missing"}}`, { obj: {} }))).toMatchObject({ key: "lookup" });
  });
});
