/** An error (the `cause`, reported as usual) plus what the user can do about it, printed after it. */
export class HintedError extends Error {
  override readonly name = "HintedError";
  constructor(
    readonly hint: string,
    options: { cause: unknown },
  ) {
    super(hint, options);
  }
}
