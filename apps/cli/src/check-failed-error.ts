import { EXIT } from "./exit-codes.js";

/**
 * A local precondition does not hold (e.g. `.taskmaster/` is not pushed). The message says what to run;
 * the process exits with {@link EXIT.failure} and nothing is sent.
 */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
  readonly exitCode = EXIT.failure;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
