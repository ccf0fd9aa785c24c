/** Where a render error happened, as far as it is known. */
export interface TemplateRenderErrorOptions extends ErrorOptions {
  /** logical template path, e.g. `code/container.sh.hbs` */
  template?: string | undefined;
  /** the context key, helper, partial or output file the error is about */
  key?: string | undefined;
}

/**
 * Base class of every error the renderer throws for a run. All of them are permanent: rendering the same
 * request with the same templates fails the same way, so the renderer worker fails the run instead of retrying.
 */
export class TemplateRenderError extends Error {
  override readonly name: string = "TemplateRenderError";
  readonly template: string | undefined;
  readonly key: string | undefined;

  constructor(message: string, options: TemplateRenderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.template = options.template;
    this.key = options.key;
  }
}
