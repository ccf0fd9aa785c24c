import { TemplateRenderError } from "./template-render-error.js";

/** A request names a local MCP tool or server the renderer does not know. */
export class InvalidToolSelectionError extends TemplateRenderError {
  override readonly name = "InvalidToolSelectionError";

  constructor(tool: string, known: readonly string[]) {
    super(`unknown local MCP tool or server "${tool}" (known: ${known.join(", ") || "none"})`, { key: tool });
  }
}
