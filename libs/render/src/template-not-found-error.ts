import { TemplateRenderError } from "./template-render-error.js";

/** A template (or partial) a run needs is not in the template store. */
export class TemplateNotFoundError extends TemplateRenderError {
  override readonly name = "TemplateNotFoundError";

  constructor(template: string, options: ErrorOptions & { from?: string } = {}) {
    const suffix = options.from ? ` (included from ${options.from})` : "";
    super(`template ${template} not found${suffix}`, {
      ...options,
      template: options.from ?? template,
      key: template,
    });
  }
}
