import { TemplateRenderError } from "./template-render-error.js";

/** A template file does not parse; the store refuses to load a template set containing it. */
export class TemplateSyntaxError extends TemplateRenderError {
  override readonly name = "TemplateSyntaxError";

  constructor(template: string, detail: string, options: ErrorOptions = {}) {
    super(`${template}: ${detail}`, { ...options, template });
  }
}
