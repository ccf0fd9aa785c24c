import { describe, expect, it } from "vitest";
import { fieldPath, isShowableKey } from "./field-path.js";

describe("field paths in refusals", () => {
  const token = `ghp_${"Zq7x".repeat(9)}`;
  const body = { env: { FEATURE: "1", [token]: "x", "a b": "y" }, envFromSecrets: [{ name: "DB" }] };

  it("names plain keys and array items, and any other key by its index", () => {
    expect(fieldPath(["env", "FEATURE"], body)).toBe("env.FEATURE");
    expect(fieldPath(["envFromSecrets", 0, "name"], body)).toBe("envFromSecrets.0.name");
    expect(fieldPath(["env", token], body)).toBe("env[1]");
    expect(fieldPath(["env", "a b"], body)).toBe("env[2]");
    expect(fieldPath([token], body)).toBe("[?]");
    expect(fieldPath([], body)).toBe("(body)");
  });

  it("shows no key that looks like a credential", () => {
    expect(isShowableKey("FEATURE")).toBe(true);
    expect(isShowableKey(token)).toBe(false);
    expect(isShowableKey("AKIAIOSFODNN7EXAMPLE")).toBe(false);
  });
});
