import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "./shell-quote.js";

describe("shellQuote", () => {
  const samples = [
    "",
    "plain",
    "it's",
    "''''",
    `"double" and 'single'`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax that must survive quoting
    "$(touch /tmp/x) `id` ${HOME} $HOME",
    "a;b|c&d>e<f",
    "line one\nline two\n",
    "tab\there\r\n",
    "--upload-pack=evil",
    "\\backslash\\",
    "ünïcödé ✓",
    "*?[glob]",
  ];

  it.each(samples)("gives bash back exactly the original string: %j", (value) => {
    const echoed = execFileSync("bash", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
    expect(echoed).toBe(value);
  });

  it("wraps in single quotes and escapes embedded single quotes", () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });

  it("refuses a NUL byte, which no shell word can hold", () => {
    expect(() => shellQuote("a\0b")).toThrow(RangeError);
  });
});
