import type { RunRequest } from "@orchestrator/contracts";
import { defaultTemplatesDir } from "./default-templates-dir.js";
import { buildRenderContext, type RenderContext, type RunInfo } from "./render-context.js";
import { type RenderedRun, renderRun } from "./render-run.js";
import {
  type RendererSettings,
  type ResolvedRendererSettings,
  resolveRendererSettings,
} from "./renderer-settings.js";
import type { TemplateSet } from "./template-set.js";
import { openTemplateStore } from "./template-store.js";

export interface CreateRendererOptions {
  /**
   * Template directory (tree or flattened ConfigMap layout).
   * @defaultValue the repository's `templates/` ({@link defaultTemplatesDir})
   */
  templatesDir?: string;
  /**
   * Operator settings (toolman URL, permissions, presets …).
   * @defaultValue {} (all defaults)
   */
  settings?: RendererSettings | ResolvedRendererSettings;
  /**
   * Reload templates when their files change.
   * @defaultValue false
   */
  watch?: boolean;
  /**
   * Debounce for watch-triggered reloads, in milliseconds.
   * @defaultValue 200
   */
  debounceMs?: number;
  /** called after a watch-triggered or explicit reload */
  onReload?: (set: TemplateSet) => void;
  /** called when a watch-triggered reload fails (the previous templates stay in use) */
  onError?: (err: unknown) => void;
}

/** Renders runs with one template store and one set of settings; shared by the renderer service and the CLI. */
export interface Renderer {
  readonly templatesDir: string;
  readonly settings: ResolvedRendererSettings;
  /** the templates in use now */
  templates(): TemplateSet;
  buildContext(request: RunRequest, run: RunInfo): RenderContext;
  /** @throws TemplateRenderError */
  renderRun(request: RunRequest, context: RenderContext): RenderedRun;
  /** `renderRun(request, buildContext(request, run))` */
  render(request: RunRequest, run: RunInfo): RenderedRun;
  reload(): Promise<TemplateSet>;
  /** Stops watching. Idempotent. */
  close(): void;
}

/**
 * Loads the templates and returns a renderer. Deterministic: the same templates, settings, request and
 * run info (`runId`, `attempt`, `now`) always produce byte-identical files.
 * @throws TemplateStoreError or TemplateSyntaxError when the templates cannot be loaded
 */
export async function createRenderer(options: CreateRendererOptions = {}): Promise<Renderer> {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir();
  const settings = resolveRendererSettings(options.settings);
  const store = await openTemplateStore({
    dir: templatesDir,
    watch: options.watch ?? false,
    debounceMs: options.debounceMs ?? 200,
    ...(options.onReload ? { onReload: options.onReload } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const renderWith = (request: RunRequest, context: RenderContext): RenderedRun =>
    renderRun(store.current(), request, context, { maxBytes: settings.maxRenderedBytes });
  return {
    templatesDir,
    settings,
    templates: () => store.current(),
    buildContext: (request, run) => buildRenderContext(request, settings, run),
    renderRun: renderWith,
    render: (request, run) => renderWith(request, buildRenderContext(request, settings, run)),
    reload: () => store.reload(),
    close: () => store.close(),
  };
}
