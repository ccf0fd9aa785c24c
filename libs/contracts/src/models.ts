/** Model of docs runs that name none (DEFAULT_DOCS_MODEL). */
export const DEFAULT_DOCS_MODEL = "claude-opus-4-20250514";
/** Model of code runs that name none (DEFAULT_CODE_MODEL). */
export const DEFAULT_CODE_MODEL = "claude-sonnet-4-20250514";

/** Model aliases accepted from users (CLI, API, slash commands) and the ids they resolve to by default. */
export const DEFAULT_MODEL_ALIASES: Readonly<Record<string, string>> = {
  opus: "claude-opus-4-20250514",
  sonnet: "claude-sonnet-4-20250514",
};

export function resolveModel(
  model: string | undefined,
  fallback: string,
  aliases: Readonly<Record<string, string>> = DEFAULT_MODEL_ALIASES,
): string {
  if (!model) return fallback;
  return aliases[model] ?? model;
}

/**
 * Model ids Claude Code is known to accept. Anything else is refused by the CLI (`--model`) and the
 * API unless allowed with `--allow-unknown-model` / `allowUnknownModel` or listed in EXTRA_MODELS.
 */
export const KNOWN_MODELS: readonly string[] = [
  "claude-opus-4-5-20251101",
  "claude-opus-4-1-20250805",
  "claude-opus-4-20250514",
  "claude-sonnet-4-5-20250929",
  "claude-sonnet-4-20250514",
  "claude-haiku-4-5-20251001",
  "claude-3-7-sonnet-20250219",
  "claude-3-5-haiku-20241022",
  // Claude Code's own aliases
  "opus",
  "sonnet",
  "haiku",
  "opusplan",
];

/**
 * Why `model` (after alias resolution) is not accepted, or undefined when it is known, an alias
 * target, or in `extra`.
 */
export function unknownModelProblem(
  model: string,
  options: { extra?: readonly string[]; aliases?: Readonly<Record<string, string>> } = {},
): string | undefined {
  const aliases = options.aliases ?? DEFAULT_MODEL_ALIASES;
  const known = new Set([
    ...KNOWN_MODELS,
    ...Object.keys(aliases),
    ...Object.values(aliases),
    ...(options.extra ?? []),
  ]);
  if (known.has(model)) return undefined;
  return `unknown model ${JSON.stringify(model)}: use an alias (${Object.keys(aliases).join(", ")}) or one of ${KNOWN_MODELS.filter((m) => m.startsWith("claude-")).join(", ")}`;
}
