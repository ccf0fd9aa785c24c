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
