import type { CreateRunBody } from "@orchestrator/client";
import {
  completeRunRequest,
  DEFAULT_CODE_MODEL,
  DEFAULT_DOCS_MODEL,
  DEFAULT_MODEL_ALIASES,
  MODEL_RE,
  type RunRequest,
  runRequestSchema,
} from "@orchestrator/contracts";
import { UsageError } from "./usage-error.js";

/**
 * Completes a request body the way ingress does before it stores a run (`completeRunRequest`, with the
 * same DEFAULT_DOCS_MODEL / DEFAULT_CODE_MODEL / MODEL_ALIASES variables), then applies the schema's
 * defaults. `render` needs exactly what the renderer service would be given, so the file set is
 * byte-identical.
 */
export function toLocalRunRequest(
  body: CreateRunBody,
  env: Readonly<Record<string, string | undefined>>,
): RunRequest {
  // instructions to ingress, not request fields (render has no session history to resume)
  const { source: _hint, allowUnknownModel: _allow, ...rest } = body;
  const { fresh: _fresh, ...fields } = rest as typeof rest & { fresh?: boolean };
  const request = completeRunRequest(
    fields,
    { idempotencyKey: "local-render", source: { type: "cli", actor: "local" } },
    {
      docsModel: env.DEFAULT_DOCS_MODEL || DEFAULT_DOCS_MODEL,
      codeModel: env.DEFAULT_CODE_MODEL || DEFAULT_CODE_MODEL,
      aliases: { ...DEFAULT_MODEL_ALIASES, ...parseAliases(env.MODEL_ALIASES) },
    },
  );
  const parsed = runRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`));
  }
  return parsed.data;
}

/** `MODEL_ALIASES=opus=claude-opus-…,sonnet=…`, as ingress reads it; bad entries are a usage error. */
function parseAliases(value: string | undefined): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const entry of (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [alias, id, ...rest] = entry.split("=");
    if (!alias || !id || rest.length > 0 || !MODEL_RE.test(alias) || !MODEL_RE.test(id)) {
      throw new UsageError([
        `MODEL_ALIASES must be alias=model-id pairs separated by commas (got ${JSON.stringify(entry)})`,
      ]);
    }
    aliases[alias] = id;
  }
  return aliases;
}
