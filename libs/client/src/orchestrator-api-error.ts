/** One invalid field, as listed by the API in a 400 answer. */
export interface ApiErrorDetail {
  path: string;
  message: string;
}

/** The API answered with an error status. `message` is the server's own reason. */
export class OrchestratorApiError extends Error {
  // widened to string so subclasses (NotAnOrchestratorApiError) can name themselves
  override readonly name: string = "OrchestratorApiError";
  constructor(
    /** HTTP status */
    readonly status: number,
    message: string,
    /** per-field reasons of a validation error (400) */
    readonly details: readonly ApiErrorDetail[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
