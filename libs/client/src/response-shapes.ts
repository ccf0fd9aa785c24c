import { RUN_KINDS, RUN_PHASES, type RunEvent, type RunRecord } from "@orchestrator/contracts";
import { z } from "zod";

/*
 * Answers are checked for the fields the client and CLI rely on, and otherwise passed through: a
 * newer server that adds fields (or redacts values) must not break an older client.
 */

const phase = z.enum(RUN_PHASES);

export const runRecordShape = z.looseObject({
  id: z.string(),
  kind: z.enum(RUN_KINDS),
  phase,
  createdAt: z.string(),
  updatedAt: z.string(),
  timeline: z.array(z.looseObject({ phase, at: z.string(), reason: z.string() })),
  links: z.looseObject({}).default({}),
  request: z.looseObject({}),
});

export const runEventShape = z.looseObject({
  runId: z.string(),
  phase,
  previousPhase: phase,
  at: z.string(),
  reason: z.string(),
});

export const createRunShape = z.looseObject({
  runId: z.string(),
  statusUrl: z.string(),
  phase,
  duplicate: z.boolean().optional(),
  active: z.boolean().optional(),
});

export const cancelRunShape = z.looseObject({ runId: z.string(), phase, cancelRequested: z.boolean() });

export const retryRunShape = z.looseObject({
  runId: z.string(),
  statusUrl: z.string(),
  phase,
  retryOf: z.string(),
});

export const listRunsShape = z.looseObject({
  runs: z.array(runRecordShape),
  nextCursor: z.string().optional(),
});

export function asRunRecord(value: unknown): RunRecord {
  return runRecordShape.parse(value) as unknown as RunRecord;
}

export function asRunEvent(value: unknown): RunEvent {
  return runEventShape.parse(value) as unknown as RunEvent;
}
