/**
 * Why a webhook triggered nothing. `reason` is a fixed code (a metric label); `message` is what the
 * sender sees in the 202 body.
 */
export interface Ignore {
  reason: IgnoreReason;
  message: string;
}

export type IgnoreReason =
  | "event_not_handled"
  | "self"
  | "bot"
  | "untrusted"
  | "no_trigger"
  | "invalid_command"
  | "closed"
  | "fork_pull_request"
  | "pull_request_head_unknown"
  | "repository_not_configured"
  | "invalid_request"
  | "no_run"
  | "nothing_to_retry"
  | "not_firing"
  | "no_routing"
  | "rate_limited";
