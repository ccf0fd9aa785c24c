/** Why a dispatch can never succeed as is. */
export type PermanentDispatchReason =
  /** a secret the run needs (GitHub credentials, Anthropic key, envFromSecrets) is missing */
  | "missing-secret"
  | "missing-namespace"
  /** the API refused an object (422 invalid, 403 forbidden, …) */
  | "rejected"
  /** an object with the run's name exists but belongs to something else */
  | "conflict"
  /** the rendered files do not fit in a ConfigMap */
  | "too-large"
  /** the resource the run came from was deleted */
  | "gone"
  /** the service's persistent workspace belongs to another GitHub user's runs */
  | "workspace-owned";

/**
 * A dispatch failure that retrying cannot fix. The dispatcher fails the run with this message, which
 * says what is wrong and, where it can, how to fix it.
 */
export class PermanentDispatchError extends Error {
  override readonly name = "PermanentDispatchError";
  constructor(
    readonly reason: PermanentDispatchReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
