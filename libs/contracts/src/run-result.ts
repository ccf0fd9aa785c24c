import { z } from "zod";

/**
 * What an agent container reports about its own run, as JSON in the termination-message file
 * (`/dev/termination-log` in a pod, `$RESULT_FILE` locally). Every field is optional so a partial
 * result from a script that died half way still parses.
 */
export const runResultSchema = z.object({
  outcome: z.enum(["succeeded", "failed"]).optional(),
  branch: z.string().max(300).optional(),
  commit: z.string().max(100).optional(),
  pullRequestUrl: z.string().max(500).optional(),
  sessionId: z.string().max(200).optional(),
  reason: z.string().max(2000).optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;

/** Parses a termination message; anything that is not a JSON object yields `undefined`. */
export function parseRunResult(text: string | undefined | null): RunResult | undefined {
  if (!text) return undefined;
  try {
    const parsed = runResultSchema.safeParse(JSON.parse(text.trim()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
