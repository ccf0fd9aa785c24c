import { TemplateRenderError } from "./template-render-error.js";

/** A helper got an argument it refuses (e.g. `shellQuote` of an object or of a string with a NUL byte). */
export class TemplateHelperError extends TemplateRenderError {
  override readonly name = "TemplateHelperError";
  override readonly key: string;
  /** what the helper refused, without the template name */
  readonly detail: string;

  constructor(
    helper: string,
    detail: string,
    options: ErrorOptions & { template?: string | undefined } = {},
  ) {
    const where = options.template ? `${options.template}: ` : "";
    super(`${where}helper "${helper}": ${detail}`, { ...options, template: options.template, key: helper });
    this.key = helper;
    this.detail = detail;
  }
}
