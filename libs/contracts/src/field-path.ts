import { secretLookingValue } from "./env-policy.js";

const SHOWABLE_KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Whether an object key may appear in a message or path: a plain identifier that looks like no credential. */
export function isShowableKey(key: string): boolean {
  return SHOWABLE_KEY_RE.test(key) && secretLookingValue(key) === undefined;
}

/**
 * A request field path for messages and `details[].path`, e.g. `env.NOTES` or `envFromSecrets.0.name`.
 * An object key that is not showable (a pasted token, control characters, …) is named by its index
 * among its object's keys (`env[2]`), so a refusal never repeats it. `root` is the request the path
 * points into.
 */
export function fieldPath(segments: readonly PropertyKey[], root: unknown): string {
  let path = "";
  let node: unknown = root;
  for (const segment of segments) {
    let part: string;
    if (typeof segment === "number") part = path ? `.${segment}` : String(segment);
    else if (typeof segment === "string" && isShowableKey(segment)) part = path ? `.${segment}` : segment;
    else {
      const keys = node !== null && typeof node === "object" ? Object.keys(node) : [];
      const index = typeof segment === "string" ? keys.indexOf(segment) : -1;
      part = `[${index >= 0 ? index : "?"}]`;
    }
    path += part;
    node =
      node !== null && typeof node === "object" && typeof segment !== "symbol"
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return path || "(body)";
}
