import { type RenderedFiles, type RunKind, type RunRequest, renderedDigest } from "@orchestrator/contracts";
import { InvalidJsonOutputError } from "./invalid-json-output-error.js";
import type { RenderContext } from "./render-context.js";
import { RenderTooLargeError } from "./render-too-large-error.js";
import { DEFAULT_MAX_RENDERED_BYTES } from "./renderer-settings.js";
import { TemplateNotFoundError } from "./template-not-found-error.js";
import { TemplateRenderError } from "./template-render-error.js";
import type { TemplateSet } from "./template-set.js";

export interface RenderedRun {
  /** ConfigMap key → content */
  files: RenderedFiles;
  /** sha256 over sorted keys and contents */
  digest: string;
  /** total size of keys and contents in bytes (what counts against the ConfigMap limit) */
  bytes: number;
}

export interface RenderRunOptions {
  /**
   * Largest total size of the rendered files in bytes.
   * @defaultValue 983040 (1 MiB − 64 KiB)
   */
  maxBytes?: number;
}

/** Output keys a run of each kind cannot do without; a template set missing one is refused. */
export const REQUIRED_OUTPUTS: Readonly<Record<RunKind, readonly string[]>> = {
  docs: ["CLAUDE.md", "container.sh", "hooks-stop-pr-creation.sh", "prompt.md", "settings.json"],
  code: [
    "CLAUDE.md",
    "client-config.json",
    "coding-guidelines.md",
    "container.sh",
    "github-guidelines.md",
    "hooks-stop-pr-creation.sh",
    "mcp-tools.md",
    "mcp.json",
    "prompt.md",
    "settings.json",
  ],
};

const KEY_RE = /^[-._a-zA-Z0-9]+$/;

/**
 * Renders every template of the request's kind with `context` and checks the result: each `.json` file
 * parses, keys are valid ConfigMap keys, and the total fits in a ConfigMap.
 * @throws TemplateRenderError (or a subclass) naming the template and key at fault
 */
export function renderRun(
  templates: TemplateSet,
  request: RunRequest,
  context: RenderContext,
  options: RenderRunOptions = {},
): RenderedRun {
  const kind = request.kind;
  const list = templates.templates[kind];
  for (const output of REQUIRED_OUTPUTS[kind]) {
    if (!list.some((t) => t.output === output)) {
      const source = output.startsWith("hooks-") ? `hooks/${output.slice(6)}` : output;
      throw new TemplateNotFoundError(`${kind}/${source}.hbs`);
    }
  }
  const files: RenderedFiles = {};
  for (const template of list) {
    if (!KEY_RE.test(template.output)) {
      throw new TemplateRenderError(
        `${template.name}: output key ${template.output} is not a ConfigMap key`,
        {
          template: template.name,
          key: template.output,
        },
      );
    }
    const content = template.render(context);
    if (template.output.endsWith(".json")) {
      try {
        JSON.parse(content);
      } catch (err) {
        throw new InvalidJsonOutputError(template.name, template.output, err);
      }
    }
    files[template.output] = content;
  }
  const sizes = Object.entries(files)
    .map(([file, content]) => ({ file, bytes: Buffer.byteLength(file) + Buffer.byteLength(content) }))
    .sort((a, b) => b.bytes - a.bytes);
  const bytes = sizes.reduce((sum, s) => sum + s.bytes, 0);
  const limit = options.maxBytes ?? DEFAULT_MAX_RENDERED_BYTES;
  if (bytes > limit) throw new RenderTooLargeError(bytes, limit, sizes);
  return { files, digest: renderedDigest(files), bytes };
}
