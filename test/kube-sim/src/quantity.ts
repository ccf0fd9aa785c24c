/**
 * resource.Quantity parsing (k8s.io/apimachinery/pkg/api/resource/quantity.go): a decimal number with an
 * optional binary (Ki…Ei), decimal (n u m k M G T P E) or exponent (e3, E-2) suffix. Values are
 * returned as numbers for comparisons (request ≤ limit); precision beyond a double does not matter here.
 */
export const QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The quantity's value, or undefined when the string is not a valid quantity. */
export function parseQuantity(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== "string") return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(raw);
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in BINARY) return num * (BINARY[suffix] ?? 1);
  if (suffix in DECIMAL) return num * (DECIMAL[suffix] ?? 1);
  const exp = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exp) return num * 10 ** Number(exp[1]);
  return undefined;
}
