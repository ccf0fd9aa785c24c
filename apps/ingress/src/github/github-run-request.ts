import {
  type GithubSource,
  type RunKind,
  type RunRequest,
  resolveModel,
  runRequestSchema,
} from "@orchestrator/contracts";
import type { Rules } from "@orchestrator/policy";
import { resolveRepositoryRule, serviceFromRepository } from "@orchestrator/policy";
import type { IngressConfig } from "../config.js";
import type { RunOptions } from "../triggers/github-trigger.js";
import type { Ignore } from "../triggers/ignore.js";
import type { GithubContext } from "./github-payload.js";

export interface GithubDelivery {
  deliveryId: string;
  hookId: string | undefined;
}

const MAX_INSTRUCTIONS = 60_000;

/** Idempotency key of a delivery: X-GitHub-Delivery is shared by every hook, so the hook id is part of it. */
export function githubIdempotencyKey(delivery: GithubDelivery): string {
  return `github:${delivery.hookId ?? "-"}:${delivery.deliveryId}`;
}

/** Runs for one issue/PR and kind never run side by side. */
export function githubSingleFlightKey(fullName: string, number: number, kind: RunKind): string {
  return `github:${fullName.toLowerCase()}#${number}:${kind}`;
}

export function githubSource(ctx: GithubContext, delivery: GithubDelivery): GithubSource {
  return {
    type: "github",
    deliveryId: delivery.deliveryId,
    ...(delivery.hookId ? { hookId: delivery.hookId } : {}),
    event: ctx.event,
    ...(ctx.action ? { action: ctx.action } : {}),
    repository: ctx.repository.full_name,
    number: ctx.number,
    isPullRequest: ctx.isPullRequest,
    ...(ctx.comment ? { commentId: ctx.comment.id } : {}),
    sender: ctx.sender.login,
    ...(ctx.comment?.html_url || ctx.htmlUrl ? { htmlUrl: ctx.comment?.html_url ?? ctx.htmlUrl } : {}),
    ...(ctx.installationId !== undefined ? { installationId: ctx.installationId } : {}),
  };
}

/**
 * Builds the run request of a GitHub trigger from the payload, the repository's rule and the
 * command's options, and validates it like any other request. A value that fails validation
 * (a bad default in the rules, an odd branch name) makes the trigger an ignored one, with the reason.
 */
export function buildGithubRunRequest(input: {
  ctx: GithubContext;
  delivery: GithubDelivery;
  kind: RunKind;
  options: RunOptions;
  rules: Rules;
  config: IngressConfig;
}): { request: RunRequest } | { ignore: Ignore } {
  const { ctx, kind, options, config } = input;
  const rule = resolveRepositoryRule(input.rules, ctx.repository.full_name);
  if (!rule) {
    return {
      ignore: {
        reason: "repository_not_configured",
        message: `repository ${ctx.repository.full_name} matches no rule in the rules file`,
      },
    };
  }
  const repositoryUrl = rule.auth === "https" ? ctx.repository.clone_url : ctx.repository.ssh_url;
  const defaultBranch = ctx.repository.default_branch ?? "main";
  const common = {
    idempotencyKey: githubIdempotencyKey(input.delivery),
    source: githubSource(ctx, input.delivery),
    repositoryUrl,
    githubUser: rule.githubUser,
    instructions: instructionsFor(ctx),
  };
  // untyped on purpose: the schema below is what checks it
  let candidate: Record<string, unknown>;
  if (kind === "docs") {
    const source = docsSourceBranch(ctx, rule.sourceBranch ?? defaultBranch);
    if ("ignore" in source) return source;
    candidate = {
      ...common,
      kind,
      model: resolveModel(
        options.model ?? rule.docsModel ?? rule.model,
        config.DEFAULT_DOCS_MODEL,
        config.MODEL_ALIASES,
      ),
      workingDirectory: rule.docsWorkingDirectory ?? ".",
      sourceBranch: source.branch,
    };
  } else {
    const service = options.service ?? rule.service ?? serviceFromRepository(ctx.repository.full_name);
    candidate = {
      ...common,
      kind,
      model: resolveModel(
        options.model ?? rule.codeModel ?? rule.model,
        config.DEFAULT_CODE_MODEL,
        config.MODEL_ALIASES,
      ),
      taskId: options.taskId ?? ctx.number,
      service,
      workingDirectory: rule.codeWorkingDirectory ?? service,
      docsRepositoryUrl: rule.docsRepository ?? repositoryUrl,
      docsBranch: rule.docsBranch ?? (rule.docsRepository ? "main" : defaultBranch),
      branch: rule.branch ?? defaultBranch,
      toolConfig: options.toolConfig ?? rule.toolConfig ?? "default",
      ...(rule.docsProjectDirectory ? { docsProjectDirectory: rule.docsProjectDirectory } : {}),
    };
  }
  const parsed = runRequestSchema.safeParse(candidate);
  if (parsed.success) return { request: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  return { ignore: { reason: "invalid_request", message: `cannot build a ${kind} run: ${problems}` } };
}

/**
 * The branch docs are generated from (and their pull request goes back to). Asked from a pull request, that is
 * the pull request's own branch, so the docs describe its changes; from a fork it is refused, since the docs
 * branch would have to be pushed back to a repository the orchestrator has no business writing to.
 * Otherwise it is the rule's `sourceBranch`, else the default branch.
 */
function docsSourceBranch(ctx: GithubContext, fallback: string): { branch: string } | { ignore: Ignore } {
  if (!ctx.head) return { branch: fallback };
  const own = ctx.repository.full_name.toLowerCase();
  if (ctx.head.repository?.toLowerCase() !== own) {
    return {
      ignore: {
        reason: "fork_pull_request",
        message:
          `pull request #${ctx.number} comes from ${ctx.head.repository ?? "a deleted fork"}, not ` +
          `${ctx.repository.full_name}: docs are generated on the pull request's branch and cannot be pushed to a fork; ` +
          "push the branch to this repository and ask again",
      },
    };
  }
  return { branch: ctx.head.ref };
}

/** The issue or PR the run was asked from, as context for the agent's prompt (never for a script). */
function instructionsFor(ctx: GithubContext): string {
  const what = ctx.isPullRequest ? "pull request" : "issue";
  const lines = [
    `GitHub ${what} #${ctx.number} in ${ctx.repository.full_name}: ${ctx.title}`,
    ...(ctx.htmlUrl ? [ctx.htmlUrl] : []),
    ctx.comment
      ? `Requested by @${ctx.sender.login} in a comment${ctx.comment.html_url ? ` (${ctx.comment.html_url})` : ""}:`
      : `Requested by @${ctx.sender.login} with the label "${ctx.label ?? ""}".`,
  ];
  if (ctx.comment?.body) lines.push("", ctx.comment.body.trim());
  if (ctx.body.trim()) lines.push("", `Description of the ${what}:`, "", ctx.body.trim());
  const text = lines.join("\n");
  return text.length > MAX_INSTRUCTIONS ? `${text.slice(0, MAX_INSTRUCTIONS)}\n[truncated]` : text;
}
