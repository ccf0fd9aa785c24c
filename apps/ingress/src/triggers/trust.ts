import type { Rules } from "@orchestrator/policy";
import type { GithubContext } from "../github/github-payload.js";
import type { Ignore } from "./ignore.js";

/** Comments the orchestrator writes carry this marker, so they never trigger a run themselves. */
export const ORCHESTRATOR_COMMENT_MARKER = "<!-- orchestrator";

export function isBot(user: { login: string; type?: string | undefined }): boolean {
  return user.type === "Bot" || user.login.toLowerCase().endsWith("[bot]");
}

/** Our own comments and bots (unless allowed). Runs before anything else looks at the event. */
export function checkAutomation(ctx: GithubContext, rules: Rules): Ignore | undefined {
  const login = ctx.sender.login.toLowerCase();
  const self = rules.github.selfLogins.some((l) => l.toLowerCase() === login);
  if (self || (ctx.comment?.body ?? "").includes(ORCHESTRATOR_COMMENT_MARKER)) {
    return { reason: "self", message: "event caused by the orchestrator itself" };
  }
  if (isBot(ctx.sender) && !rules.github.allowedBots.some((l) => l.toLowerCase() === login)) {
    return {
      reason: "bot",
      message: `sender ${ctx.sender.login} is a bot that is not in github.allowedBots`,
    };
  }
  return undefined;
}

/**
 * Who may trigger with a comment: OWNER/MEMBER/COLLABORATOR (rules.github.trustedAssociations),
 * allowed users and allowed bots. Label events need no check here: GitHub only lets people with
 * triage access or more apply labels.
 */
export function checkCommentAuthor(ctx: GithubContext, rules: Rules): Ignore | undefined {
  if (!ctx.comment) return undefined;
  const login = ctx.sender.login.toLowerCase();
  const allowed = [...rules.github.allowedUsers, ...rules.github.allowedBots].some(
    (l) => l.toLowerCase() === login,
  );
  if (allowed) return undefined;
  const association = ctx.comment.author_association;
  if ((rules.github.trustedAssociations as readonly string[]).includes(association)) return undefined;
  return {
    reason: "untrusted",
    message: `${ctx.sender.login} (${association}) may not trigger runs: only ${rules.github.trustedAssociations.join(", ")} or github.allowedUsers`,
  };
}
