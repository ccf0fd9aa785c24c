import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import type { z } from "zod";
import type {
  checkRunPayload,
  issueCommentPayload,
  issuesLabeledPayload,
  pullRequestLabeledPayload,
  reviewCommentPayload,
} from "./github-payload.js";

/** GitHub's published payload of an event (`@octokit/webhooks`, generated from GitHub's OpenAPI webhooks). */
export type GithubPayload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>["payload"];

type Accepts<Schema extends z.ZodType, P> = [P] extends [z.input<Schema>] ? true : false;

/**
 * GitHub's event types are the source of truth for event shapes: every payload GitHub documents for the
 * events we act on must satisfy the runtime schemas that read them. A schema that demands a field GitHub
 * may omit (or types it differently) stops this file from compiling.
 */
export const payloadSchemasMatchGithub: [
  Accepts<typeof issuesLabeledPayload, GithubPayload<"issues.labeled">>,
  Accepts<typeof pullRequestLabeledPayload, GithubPayload<"pull_request.labeled">>,
  Accepts<typeof issueCommentPayload, GithubPayload<"issue_comment.created">>,
  Accepts<typeof reviewCommentPayload, GithubPayload<"pull_request_review_comment.created">>,
  Accepts<typeof checkRunPayload, GithubPayload<"check_run.rerequested">>,
  Accepts<typeof checkRunPayload, GithubPayload<"check_run.requested_action">>,
] = [true, true, true, true, true, true];
