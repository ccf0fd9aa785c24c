/** A bad or missing environment variable. The message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly variables: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
