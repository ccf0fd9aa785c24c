import { TemplateRenderError } from "./template-render-error.js";

/** A template used a key (or helper) the render context does not have: a template bug, never silent. */
export class MissingTemplateKeyError extends TemplateRenderError {
  override readonly name = "MissingTemplateKeyError";
  override readonly key: string;
  /** 1-based position in the template, when Handlebars reported it */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    template: string,
    key: string,
    position: { line?: number | undefined; column?: number | undefined } = {},
    options: ErrorOptions = {},
  ) {
    const where =
      position.line === undefined ? template : `${template}:${position.line}:${position.column ?? 0}`;
    super(`${where}: unknown key "${key}" (not in the render context)`, { ...options, template, key });
    this.key = key;
    this.line = position.line;
    this.column = position.column;
  }
}
