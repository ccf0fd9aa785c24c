import type { CreateRunBody } from "@orchestrator/client";
import {
  DEFAULT_MODEL_ALIASES,
  MODEL_RE,
  type RunRequest,
  resolveModel,
  runRequestSchema,
} from "@orchestrator/contracts";
import { UsageError } from "./usage-error.js";

/** The ingress's defaults (apps/ingress/src/config.ts), overridable with the same variables. */
const DEFAULT_DOCS_MODEL = "claude-opus-4-20250514";
const DEFAULT_CODE_MODEL = "claude-sonnet-4-20250514";

/**
 * Completes a request body the way ingress does before it stores a run (apps/ingress/src/api/api-run-input.ts):
 * model alias and default resolved, working directory defaulted (docs ".", code the service), the docs
 * repository defaulted to the repository, schema defaults applied. `render` needs exactly what the
 * renderer service would be given, so the file set is byte-identical.
 */
export function toLocalRunRequest(
  body: CreateRunBody,
  env: Readonly<Record<string, string | undefined>>,
): RunRequest {
  const aliases = { ...DEFAULT_MODEL_ALIASES, ...parseAliases(env.MODEL_ALIASES) };
  const source = { type: "cli" as const, actor: "local" };
  const { source: _hint, ...fields } = body;
  const request =
    fields.kind === "docs"
      ? {
          ...fields,
          idempotencyKey: "local-render",
          source,
          model: resolveModel(fields.model, env.DEFAULT_DOCS_MODEL || DEFAULT_DOCS_MODEL, aliases),
          workingDirectory: fields.workingDirectory ?? ".",
        }
      : {
          ...fields,
          idempotencyKey: "local-render",
          source,
          model: resolveModel(fields.model, env.DEFAULT_CODE_MODEL || DEFAULT_CODE_MODEL, aliases),
          workingDirectory: fields.workingDirectory ?? fields.service,
          docsRepositoryUrl: fields.docsRepositoryUrl ?? fields.repositoryUrl,
        };
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
