import { z } from "zod";
import { RUN_PHASES } from "./phases.js";
import { RUN_KINDS, runRequestSchema } from "./run-request.js";
import { runResultSchema } from "./run-result.js";

export const timelineEntrySchema = z.object({
  phase: z.enum(RUN_PHASES),
  /** ISO-8601 time of the transition */
  at: z.string(),
  reason: z.string(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/** Links to the objects that carry out a run, filled in as they come to exist. */
export const runLinksSchema = z.object({
  namespace: z.string().optional(),
  customResource: z.string().optional(),
  configMap: z.string().optional(),
  job: z.string().optional(),
  pod: z.string().optional(),
  pullRequestUrl: z.string().optional(),
  /** GitHub comment the watcher keeps up to date */
  githubCommentId: z.number().int().optional(),
  /** local runtime: directory of the run */
  localDir: z.string().optional(),
});
export type RunLinks = z.infer<typeof runLinksSchema>;

/** The run as stored in Redis and served by the API. */
export const runRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(RUN_KINDS),
  phase: z.enum(RUN_PHASES),
  message: z.string().optional(),
  request: runRequestSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  timeline: z.array(timelineEntrySchema),
  links: runLinksSchema,
  result: runResultSchema.optional(),
  /** 1 for the first attempt; retries are new runs with attempt + 1 */
  attempt: z.number().int().min(1),
  /** set when a retry run was created for this one */
  retriedBy: z.string().optional(),
  /** set when someone asked for the run to be cancelled */
  cancelRequestedAt: z.string().optional(),
  /** who asked for the cancel and why (the first request's), the reason the run's timeline shows */
  cancelReason: z.string().optional(),
  /** Grafana/Alertmanager: set when the alert resolved while the run existed */
  alertResolvedAt: z.string().optional(),
  /** runs sharing this key (same repository+issue+kind, same alert) never run at the same time */
  singleFlightKey: z.string().optional(),
  /** which runtime executes the run */
  runtime: z.enum(["kubernetes", "local"]).optional(),
  /** short CamelCase cause of a failure (`OOMKilled`, `ExitCode`, `OutcomeUnknown`, …) */
  failureReason: z.string().optional(),
  /**
   * true once the agent container (or local process) was seen started or finished: a fact read from
   * the container state, which automatic retries are decided on (not on which phases were observed)
   */
  agentStarted: z.boolean().optional(),
  /**
   * the last lines of a failed agent's log, secrets redacted: for operators reading the run record,
   * never copied into GitHub comments, CR status or callbacks
   */
  logTail: z.string().optional(),
  /** what became of the run's callback (`not-sent`: e.g. no CALLBACK_SECRET to sign it with) */
  callback: z
    .object({
      outcome: z.enum(["delivered", "failed", "not-sent"]),
      at: z.string(),
      detail: z.string().optional(),
    })
    .optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
