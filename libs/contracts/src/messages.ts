import { z } from "zod";
import { QUEUES } from "./queues.js";

/** render queue: a run accepted by ingress. The request itself lives in the run store. */
export const renderJobSchema = z.object({
  runId: z.string().min(1),
});
export type RenderJob = z.infer<typeof renderJobSchema>;

/** Rendered files, keyed by ConfigMap key (e.g. `container.sh`, `CLAUDE.md`, `hooks-stop-pr-creation.sh`). */
export const renderedFilesSchema = z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/), z.string());
export type RenderedFiles = z.infer<typeof renderedFilesSchema>;

/** dispatch queue: a rendered run ready to become Kubernetes objects (or a local process). */
export const dispatchJobSchema = z.object({
  runId: z.string().min(1),
  files: renderedFilesSchema,
  /** sha256 of the rendered files, to tell a replay from a changed render */
  digest: z.string(),
});
export type DispatchJob = z.infer<typeof dispatchJobSchema>;

/** control queue: something to do to a run that is past ingress. */
export const controlJobSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("cancel"), runId: z.string().min(1), reason: z.string() }),
  /** a run ended: release its concurrency slot and start whoever waits for it */
  z.object({ action: z.literal("released"), runId: z.string().min(1) }),
]);
export type ControlJob = z.infer<typeof controlJobSchema>;

/** Queue name → payload type, so producers and workers are typed end to end. */
export interface QueuePayloads {
  [QUEUES.render]: RenderJob;
  [QUEUES.dispatch]: DispatchJob;
  [QUEUES.control]: ControlJob;
}

export const QUEUE_SCHEMAS = {
  [QUEUES.render]: renderJobSchema,
  [QUEUES.dispatch]: dispatchJobSchema,
  [QUEUES.control]: controlJobSchema,
} as const;
