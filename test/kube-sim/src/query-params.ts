/**
 * Query parameter decoding as the API server's parameter codec does it (apimachinery
 * runtime.Convert_Slice_string_To_bool): "false" in any case and "0" are false, any other present value
 * is true — so `watch=True` (the Python client) and `watch=1` both start a watch.
 */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  return !(raw === "0" || raw === "" || raw.toLowerCase() === "false");
}
