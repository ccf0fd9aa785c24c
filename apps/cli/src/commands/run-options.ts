import { TOOL_CONFIGS } from "@orchestrator/contracts";
import { type Command, Option } from "commander";
import { envArg, envFromSecretArg, intArg, sessionIdArg, taskIdArg, toolListArg } from "../flag-values.js";

/** Flags of a docs run, shared by `task docs` and `render docs`. */
export function addDocsOptions(command: Command): Command {
  return command
    .option(
      "-w, --working-directory <dir>",
      "Task Master project directory, relative to the repository root (default: the current directory)",
    )
    .option("-m, --model <model>", "model id or alias (opus, sonnet); default: the server's docs model")
    .option("--allow-unknown-model", "send a --model id that is not in the known list (a newer model)")
    .option("--repository-url <url>", "repository to document (default: this checkout's origin)")
    .addOption(new Option("--repo <url>", "alias of --repository-url").hideHelp())
    .option(
      "--source-branch <branch>",
      "branch to document; the PR goes back to it (default: the current branch)",
    )
    .option(
      "--github-user <login>",
      "GitHub user whose credentials the agent uses (default: git config github.user, or user.name if it is a login)",
    );
}

/** Flags of a code run, shared by `task code` and `render code`. */
export function addCodeOptions(command: Command): Command {
  return command
    .argument("<taskId>", "Task Master task id", taskIdArg)
    .requiredOption(
      "-s, --service <name>",
      "service name; the workspace volume is per service (^[a-z0-9-]{1,63}$)",
    )
    .option(
      "--repository-url <url>",
      "destination repository the agent commits to (default: this checkout's origin)",
    )
    .option("--repo <url>", "alias of --repository-url")
    .option(
      "--platform-repository-url <url>",
      "repository holding .taskmaster/docs/task-<id>/ (default: the destination repository)",
    )
    .option("--platform-branch <branch>", "branch of the platform repository (default: main)")
    .option(
      "--docs-project-directory <dir>",
      "project directory in the platform repository (default: _projects/<service>)",
    )
    .option("--branch <branch>", "base branch of the destination repository (default: main)")
    .option(
      "--github-user <login>",
      "GitHub user whose credentials the agent uses (default: git config github.user, or user.name if it is a login)",
    )
    .option("-w, --working-directory <dir>", "directory the agent works in, relative to the repository root")
    .option("-m, --model <model>", "model id or alias (opus, sonnet); default: the server's code model")
    .option("--allow-unknown-model", "send a --model id that is not in the known list (a newer model)")
    .addOption(
      new Option("--tool-config <preset>", "MCP tool preset (default: default)").choices(TOOL_CONFIGS),
    )
    .option("--local-tools <a,b>", "local MCP tools (comma-separated; overrides the preset's)", toolListArg)
    .option("--remote-tools <a,b>", "remote MCP tools (comma-separated; overrides the preset's)", toolListArg)
    .option("--context-version <n>", "context version of this attempt (default: 1)", intArg(1, 1000))
    .option("--prompt-modification <text>", "text added to the agent's prompt")
    .option(
      "--continue-session",
      "continue the agent's most recent session in the workspace (claude --continue)",
    )
    .option(
      "--session-id <id>",
      "Claude session to resume (default: the last session of this service and task)",
      sessionIdArg,
    )
    .option("--overwrite-memory", "replace CLAUDE.md in the workspace instead of keeping the agent's memory")
    .option("--env <NAME=value>", "environment variable for the agent (repeatable)", envArg)
    .option(
      "--env-from-secret <NAME:SECRET:KEY>",
      "environment variable from a Kubernetes secret key (repeatable)",
      envFromSecretArg,
    )
    .option("--max-retries <n>", "automatic retries of a failed attempt, 0-10 (default: 0)", intArg(0, 10));
}

export function addWatchOptions(command: Command): Command {
  return command
    .option("--watch", "follow the run until it ends (default when stdout is a terminal)")
    .option("--no-watch", "return as soon as the run is accepted");
}
