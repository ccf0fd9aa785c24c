import { ServiceUnavailableError } from "./http-error.js";

/**
 * 503 after the run was recorded but its render job could not be added. Unlike other 503s the run exists:
 * the sender's retry finds it and queues it again, so whatever was reserved for it must stay reserved.
 */
export class RunNotQueuedError extends ServiceUnavailableError {
  override readonly name = "RunNotQueuedError";
  constructor(
    readonly runId: string,
    options?: ErrorOptions,
  ) {
    super("run recorded but not queued (Redis): retry the request", options);
  }
}
