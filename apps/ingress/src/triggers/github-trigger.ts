import type { RunKind, ToolConfig } from "@orchestrator/contracts";
import type { Rules } from "@orchestrator/policy";
import type { GithubContext } from "../github/github-payload.js";
import type { Ignore } from "./ignore.js";
import { parseSlashCommand } from "./slash-command.js";
import { checkAutomation, checkCommentAuthor } from "./trust.js";

export interface RunOptions {
  taskId?: number;
  service?: string;
  model?: string;
  toolConfig?: ToolConfig;
}

/** What a GitHub event asks for. */
export type GithubTrigger =
  | { type: "ignore"; ignore: Ignore }
  | { type: "run"; kind: RunKind; options: RunOptions; via: "label" | "command" }
  | { type: "retry" }
  | { type: "cancel" };

const ignore = (reason: Ignore["reason"], message: string): GithubTrigger => ({
  type: "ignore",
  ignore: { reason, message },
});

/** New runs are never started from a closed issue or pull request, whether by label or by command. */
function closed(ctx: GithubContext): GithubTrigger {
  return ignore("closed", `${ctx.isPullRequest ? "pull request" : "issue"} is closed`);
}

/** Decides, from the event alone, whether it triggers something. Order: automation, trigger, trust. */
export function decideGithubTrigger(ctx: GithubContext, rules: Rules): GithubTrigger {
  const automation = checkAutomation(ctx, rules);
  if (automation) return { type: "ignore", ignore: automation };
  if (ctx.label !== undefined) {
    const kind = rules.github.labels[ctx.label];
    if (!kind) return ignore("no_trigger", `label "${ctx.label}" is not a trigger`);
    if (ctx.state === "closed") return closed(ctx);
    return { type: "run", kind, options: {}, via: "label" };
  }
  const parsed = parseSlashCommand(ctx.comment?.body ?? "", rules.github.command);
  if (!parsed) return ignore("no_trigger", `comment holds no ${rules.github.command} command`);
  const untrusted = checkCommentAuthor(ctx, rules);
  if (untrusted) return { type: "ignore", ignore: untrusted };
  if (!parsed.ok) return ignore("invalid_command", parsed.error);
  const command = parsed.value;
  // retry and cancel stay allowed: they act on runs that already exist (e.g. cancel after closing the issue)
  if (ctx.state === "closed" && (command.command === "docs" || command.command === "code"))
    return closed(ctx);
  switch (command.command) {
    case "retry":
      return { type: "retry" };
    case "cancel":
      return { type: "cancel" };
    case "docs":
      return {
        type: "run",
        kind: "docs",
        options: command.model ? { model: command.model } : {},
        via: "command",
      };
    case "code": {
      const { command: _c, ...options } = command;
      return { type: "run", kind: "code", options, via: "command" };
    }
  }
}
