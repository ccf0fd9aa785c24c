import { TemplateRenderError } from "./template-render-error.js";

/** A rendered `.json` file does not parse. */
export class InvalidJsonOutputError extends TemplateRenderError {
  override readonly name = "InvalidJsonOutputError";
  /** the output key, e.g. `mcp.json` */
  readonly file: string;

  constructor(template: string, file: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${template}: rendered ${file} is not valid JSON: ${detail}`, { template, key: file, cause });
    this.file = file;
  }
}
