/** A run has no output to read yet (no pod, no process) or any more (its pod was deleted). */
export class LogsUnavailableError extends Error {
  override readonly name = "LogsUnavailableError";
  constructor(
    readonly runId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
