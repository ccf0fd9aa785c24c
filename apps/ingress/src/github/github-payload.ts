import { z } from "zod";

/**
 * The parts of GitHub payloads ingress reads. Loose objects: GitHub adds fields all the time, and
 * anything we do not read must not make a delivery fail.
 */
const user = z.looseObject({ login: z.string(), type: z.string().optional() });

const repository = z.looseObject({
  full_name: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
  ssh_url: z.string(),
  clone_url: z.string(),
  default_branch: z.string().optional(),
  html_url: z.string().optional(),
});

const issue = z.looseObject({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string().optional(),
  state: z.string().optional(),
  /** present when the "issue" is a pull request */
  pull_request: z.looseObject({}).optional(),
  user: user.nullish(),
});

const pullRequest = z.looseObject({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string().optional(),
  state: z.string().optional(),
  user: user.nullish(),
  /** the branch the pull request merges; `repo` is null when its fork was deleted */
  head: z
    .looseObject({
      ref: z.string(),
      repo: z.looseObject({ full_name: z.string() }).nullish(),
    })
    .optional(),
});

const comment = z.looseObject({
  id: z.number().int(),
  body: z.string().nullish(),
  author_association: z.string(),
  html_url: z.string().optional(),
  user: user.nullish(),
});

const common = {
  action: z.string().optional(),
  repository,
  sender: user,
  installation: z.looseObject({ id: z.number().int() }).optional(),
};

export const issuesLabeledPayload = z.looseObject({
  ...common,
  issue,
  /** GitHub's types leave it optional; a labelled event without one triggers nothing */
  label: z.looseObject({ name: z.string() }).optional(),
});
export const pullRequestLabeledPayload = z.looseObject({
  ...common,
  pull_request: pullRequest,
  /** GitHub's types leave it optional; a labelled event without one triggers nothing */
  label: z.looseObject({ name: z.string() }).optional(),
});
export const issueCommentPayload = z.looseObject({ ...common, issue, comment });
export const reviewCommentPayload = z.looseObject({ ...common, pull_request: pullRequest, comment });

/** `check_run.rerequested` / `check_run.requested_action`: the Re-run of a run's Check Run. */
export const checkRunPayload = z.looseObject({
  ...common,
  check_run: z.looseObject({ id: z.number().int(), name: z.string(), external_id: z.string().nullish() }),
  requested_action: z.looseObject({ identifier: z.string().optional() }).nullish(),
});
export type CheckRunPayload = z.infer<typeof checkRunPayload>;

/** Everything a trigger needs, the same whatever event it came from. */
export interface GithubContext {
  event: string;
  action: string | undefined;
  repository: z.infer<typeof repository>;
  sender: z.infer<typeof user>;
  installationId: number | undefined;
  /** the issue or pull request */
  number: number;
  isPullRequest: boolean;
  title: string;
  body: string;
  htmlUrl: string | undefined;
  state: string | undefined;
  comment?: z.infer<typeof comment>;
  label?: string;
  /** labeled events: the issue's or pull request's `updated_at`, which applying the label set */
  labeledAt?: string;
  /**
   * The pull request's head branch and the repository it lives in (null: a deleted fork). Only
   * `pull_request*` events carry it; an `issue_comment` on a pull request does not.
   */
  head?: { ref: string; repository: string | null };
}

/** Reads the context of a handled event. Returns undefined for events we do not act on. */
export function readGithubContext(event: string, payload: unknown): GithubContext | undefined {
  const action = (payload as { action?: unknown })?.action;
  if (event === "issues" && action === "labeled") {
    const p = issuesLabeledPayload.parse(payload);
    return {
      ...base(event, p),
      number: p.issue.number,
      isPullRequest: p.issue.pull_request !== undefined,
      title: p.issue.title,
      body: p.issue.body ?? "",
      htmlUrl: p.issue.html_url,
      state: p.issue.state,
      ...(p.label ? { label: p.label.name, ...updatedAt(p.issue) } : {}),
    };
  }
  if (event === "pull_request" && action === "labeled") {
    const p = pullRequestLabeledPayload.parse(payload);
    return {
      ...prContext(event, p),
      ...(p.label ? { label: p.label.name, ...updatedAt(p.pull_request) } : {}),
    };
  }
  if (event === "issue_comment" && action === "created") {
    const p = issueCommentPayload.parse(payload);
    return {
      ...base(event, p),
      number: p.issue.number,
      isPullRequest: p.issue.pull_request !== undefined,
      title: p.issue.title,
      body: p.issue.body ?? "",
      htmlUrl: p.issue.html_url,
      state: p.issue.state,
      comment: p.comment,
    };
  }
  if (event === "pull_request_review_comment" && action === "created") {
    const p = reviewCommentPayload.parse(payload);
    return { ...prContext(event, p), comment: p.comment };
  }
  return undefined;
}

type CommonPayload = {
  action?: string | undefined;
  repository: GithubContext["repository"];
  sender: GithubContext["sender"];
  installation?: { id: number } | undefined;
};

function base(event: string, p: CommonPayload) {
  return {
    event,
    action: p.action,
    repository: p.repository,
    sender: p.sender,
    installationId: p.installation?.id,
  };
}

function prContext(event: string, p: CommonPayload & { pull_request: z.infer<typeof pullRequest> }) {
  return {
    ...base(event, p),
    number: p.pull_request.number,
    isPullRequest: true,
    title: p.pull_request.title,
    body: p.pull_request.body ?? "",
    htmlUrl: p.pull_request.html_url,
    state: p.pull_request.state,
    ...(p.pull_request.head
      ? { head: { ref: p.pull_request.head.ref, repository: p.pull_request.head.repo?.full_name ?? null } }
      : {}),
  };
}

function updatedAt(item: object): { labeledAt?: string } {
  const at = (item as { updated_at?: unknown }).updated_at;
  return typeof at === "string" ? { labeledAt: at } : {};
}
