/**
 * The API could not be reached at all (refused, DNS, TLS, reset). The message names the URL and how to
 * point the CLI elsewhere, because the usual cause is a server that is not running or a wrong URL.
 */
export class OrchestratorConnectionError extends Error {
  override readonly name = "OrchestratorConnectionError";
  constructor(
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot reach the orchestrator API at ${url}${describeCause(options?.cause)}; ` +
        "is the server running? Point the CLI at it with --api-url or ORCHESTRATOR_API_URL",
      options,
    );
  }
}

function describeCause(cause: unknown): string {
  // undici wraps the socket error: TypeError("fetch failed", { cause: Error{ code: "ECONNREFUSED" } })
  let current: unknown = cause;
  let message: string | undefined;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return ` (${code})`;
    if (current.message && current.message !== "fetch failed") message = current.message;
    current = current.cause;
  }
  return message ? ` (${message})` : "";
}
