import { redactSecrets } from "@orchestrator/contracts";

/** Lines of agent output kept on a failed run's record. */
export const LOG_TAIL_LINES = 20;
const LOG_TAIL_MAX_CHARS = 4000;

/**
 * The last non-empty lines of an agent's output, secrets redacted, for the run record's `logTail`
 * (operators only: never the run message, the GitHub comment, the CR status or a callback).
 */
export function logTailOf(text: string | undefined, lines = LOG_TAIL_LINES): string | undefined {
  if (!text) return undefined;
  const kept = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-lines);
  if (kept.length === 0) return undefined;
  const joined = redactSecrets(kept.join("\n"));
  return joined.length > LOG_TAIL_MAX_CHARS ? `…${joined.slice(-(LOG_TAIL_MAX_CHARS - 1))}` : joined;
}

/**
 * A reason an agent script wrote itself (`RunResult.reason`), fit for a public message: one line,
 * secrets redacted, at most 300 characters.
 */
export function shortReason(text: string): string {
  const oneLine = redactSecrets(text.replace(/\s*\n\s*/g, " ").trim());
  return oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
}
