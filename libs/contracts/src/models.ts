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
