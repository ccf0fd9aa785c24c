/** The template directory cannot be read or holds no usable templates. */
export class TemplateStoreError extends Error {
  override readonly name = "TemplateStoreError";
  readonly dir: string;

  constructor(message: string, dir: string, options: ErrorOptions = {}) {
    super(`${message} (${dir})`, options);
    this.dir = dir;
  }
}
