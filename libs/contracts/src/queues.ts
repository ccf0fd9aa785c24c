/**
 * BullMQ queue names. Every producer and worker takes its name from here.
 * - render: accepted run requests waiting to be rendered (ingress → renderer)
 * - dispatch: rendered runs waiting to become Kubernetes objects (renderer → dispatcher)
 * - control: cancel/retry commands for runs already past ingress (ingress/watcher → dispatcher)
 */
export const QUEUES = {
  render: "render",
  dispatch: "dispatch",
  control: "control",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Redis pub/sub channel on which every run transition is published as a {@link RunEvent}. */
export const RUN_EVENTS_CHANNEL = "orchestrator:run-events";
