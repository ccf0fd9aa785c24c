import { z } from "zod";
import { RUN_PHASES } from "./phases.js";
import { RUN_KINDS } from "./run-request.js";

/** Published on every phase transition (Redis pub/sub {@link RUN_EVENTS_CHANNEL}). */
export const runEventSchema = z.object({
  runId: z.string(),
  kind: z.enum(RUN_KINDS),
  phase: z.enum(RUN_PHASES),
  previousPhase: z.enum(RUN_PHASES),
  at: z.string(),
  reason: z.string(),
});
export type RunEvent = z.infer<typeof runEventSchema>;
