import { EXIT } from "./exit-codes.js";

/**
 * A flag or argument is wrong, or something the command needs is missing. Each message names the
 * flag and how to fix it; the process exits with {@link EXIT.usage} and nothing is sent.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = EXIT.usage;
  constructor(
    /** one line per problem */
    readonly problems: readonly string[],
  ) {
    super(problems.join("\n"));
  }
}
