/**
 * Turns low-level start-up failures into messages that say what to do, as the original service's
 * troubleshooting guide did. Returns undefined for errors it does not recognise.
 */
export function explainStartupError(
  err: unknown,
  context: { portVariable?: string } = {},
): string | undefined {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") {
    const variable = context.portVariable ?? "SERVER_PORT";
    return `port ${e.port ?? ""} is already in use: set ${variable} to a free port or stop the process using it`;
  }
  if (e?.code === "EACCES" && e.syscall === "listen") {
    const variable = context.portVariable ?? "SERVER_PORT";
    return `not allowed to listen on port ${e.port ?? ""}: set ${variable} to a port above 1024`;
  }
  if (e?.name === "ConfigError") return e.message;
  return undefined;
}
