/**
 * Times on Kubernetes objects: typed API calls deserialise them into `Date`s, watch events carry
 * RFC 3339 strings. Both become epoch milliseconds here.
 */
export function toMillis(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
