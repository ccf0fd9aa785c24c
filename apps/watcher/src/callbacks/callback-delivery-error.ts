/** A callback URL answered with a status that may change on a later attempt (5xx, 408, 429) or could not be reached. */
export class CallbackDeliveryError extends Error {
  override readonly name = "CallbackDeliveryError";
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
