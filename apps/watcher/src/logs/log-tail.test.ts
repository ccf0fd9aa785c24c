import { describe, expect, it } from "vitest";
import { logTailOf, shortReason } from "./log-tail.js";

describe("logTailOf", () => {
  it("keeps the last non-empty lines, redacted", () => {
    expect(logTailOf("a\n\nb\nc token=ghp_0123456789abcdefghij\n", 2)).toBe("b\nc token=[REDACTED]");
    expect(logTailOf("", 2)).toBeUndefined();
    expect(logTailOf("\n \n", 2)).toBeUndefined();
  });
});

describe("shortReason", () => {
  it("makes a script's reason one short line without secrets", () => {
    expect(shortReason("push failed:\n  remote: invalid ghp_0123456789abcdefghij")).toBe(
      "push failed: remote: invalid [REDACTED]",
    );
    expect(shortReason("x".repeat(400))).toHaveLength(300);
  });
});
