import { TemplateRenderError, type Renderer as TemplateRenderer } from "@orchestrator/render";
import type { IsPermanentRenderError, RenderFn } from "./render-processor.js";

/**
 * Adapts the template engine to the render processor. The render clock is the run's acceptance
 * time, so rendering the same run twice (a replayed job) yields byte-identical files and digest.
 */
export function renderWithTemplates(renderer: TemplateRenderer): RenderFn {
  return async (run) => {
    const rendered = renderer.render(run.request, {
      runId: run.id,
      attempt: run.attempt,
      now: new Date(run.createdAt),
    });
    return { files: rendered.files, digest: rendered.digest };
  };
}

/** Every template error is permanent: the same request and templates fail the same way. */
export const isPermanentRenderError: IsPermanentRenderError = (err) => err instanceof TemplateRenderError;
