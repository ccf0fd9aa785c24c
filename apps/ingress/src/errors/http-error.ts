/** One bad field of a request: where it is (dotted path) and what is wrong with it. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * An error that maps to an HTTP answer. Route handlers throw it; the error handler turns it into
 * `{error, details?}` with `status`. The message is shown to the caller, so it never holds a secret.
 */
export class HttpError extends Error {
  override readonly name: string = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly details?: readonly FieldProblem[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** 400 with every bad field listed. */
export class ValidationError extends HttpError {
  override readonly name = "ValidationError";
  constructor(details: readonly FieldProblem[], message = "invalid request") {
    super(400, message, details);
  }
}

/** 503: Redis (run store or queue) cannot take the request right now; the sender should retry. */
export class ServiceUnavailableError extends HttpError {
  override readonly name: string = "ServiceUnavailableError";
  constructor(message = "run store unavailable (Redis): try again later", options?: ErrorOptions) {
    super(503, message, undefined, options);
  }
}
