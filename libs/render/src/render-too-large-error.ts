import { TemplateRenderError } from "./template-render-error.js";

/** The rendered files do not fit in a ConfigMap (1 MiB, minus headroom for metadata). */
export class RenderTooLargeError extends TemplateRenderError {
  override readonly name = "RenderTooLargeError";
  readonly totalBytes: number;
  readonly limitBytes: number;
  /** bytes per output key, largest first */
  readonly sizes: readonly { file: string; bytes: number }[];

  constructor(totalBytes: number, limitBytes: number, sizes: readonly { file: string; bytes: number }[]) {
    const largest = sizes
      .slice(0, 3)
      .map((s) => `${s.file} ${s.bytes} B`)
      .join(", ");
    super(`rendered files are ${totalBytes} bytes, over the ${limitBytes}-byte limit (largest: ${largest})`, {
      key: sizes[0]?.file,
    });
    this.totalBytes = totalBytes;
    this.limitBytes = limitBytes;
    this.sizes = sizes;
  }
}
