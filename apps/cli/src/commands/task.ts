import type { Command } from "commander";
import {
  type CodeFlags,
  type DocsFlags,
  resolveCodeRequest,
  resolveDocsRequest,
  sameRepository,
} from "../build-requests.js";
import type { CliContext } from "../cli-context.js";
import { examples } from "../help-examples.js";
import { checkTaskmaster } from "../taskmaster-check.js";
import { addCodeOptions, addDocsOptions, addWatchOptions } from "./run-options.js";
import { submitRun } from "./submit.js";

const WATCH_NOTE = `
The run id is printed at once. On a terminal (or with --watch) the run is followed until it ends and
the exit code tells how: 0 Succeeded, 1 Failed, 3 Cancelled. --no-watch returns at once.`;

export function registerTaskCommands(program: Command, ctx: CliContext): void {
  const task = program
    .command("task")
    .description("start an agent run for a Task Master project")
    .addHelpText(
      "after",
      examples(
        "orchestrator task docs --working-directory _projects/trader --model opus",
        "orchestrator task code 1 --service trader --repo git@github.com:5dlabs/platform.git --github-user swe-1-5dlabs",
      ),
    );

  addWatchOptions(addDocsOptions(task.command("docs")))
    .description("generate documentation for the Task Master tasks of a project")
    .addHelpText(
      "after",
      `
Detected from the local checkout when not given: the repository (origin), the source branch (current
branch), the working directory (relative to the repository root) and the GitHub user.

Before anything is sent, <dir>/.taskmaster/tasks/tasks.json must exist and parse, and <dir>/.taskmaster/
must be committed and pushed (the agent clones the branch; nothing is committed for you).
${WATCH_NOTE}

Examples:
  $ orchestrator task docs --working-directory _projects/trader --model opus
  $ cd _projects/trader && orchestrator task docs --no-watch
  $ orchestrator task docs --repository-url git@github.com:acme/platform.git --source-branch main \\
      --working-directory _projects/trader --github-user swe-1-5dlabs`,
    )
    .action(async (flags: DocsFlags & { watch?: boolean }, command: Command) => {
      const resolved = resolveDocsRequest(flags, ctx.io);
      const { git, body } = resolved;
      if (git && sameRepository(body.repositoryUrl, git.originUrl ?? "")) {
        const check = checkTaskmaster({
          root: git.root,
          workingDirectory: body.workingDirectory ?? git.relativeDir,
          sourceBranch: body.sourceBranch,
          currentBranch: git.branch,
          env: ctx.io.env,
        });
        resolved.notes.push(
          `${check.tasksFile}: ${check.taskCount} task(s), pushed to ${check.comparedWith}`,
        );
      } else {
        resolved.notes.push(
          git
            ? "the repository is not this checkout's origin: the local .taskmaster check is skipped"
            : "not inside a git checkout: the local .taskmaster check is skipped",
        );
      }
      for (const note of resolved.notes) ctx.note(note);
      await submitRun(ctx, command, body, flags.watch);
    });

  addWatchOptions(addCodeOptions(task.command("code")))
    .option("--fresh", "start Claude fresh instead of resuming the task's last session")
    .description("implement one Task Master task in a service's repository")
    .addHelpText(
      "after",
      `
--repo is an alias of --repository-url. The repository and GitHub user default to this checkout's origin
and git user; the platform repository (with .taskmaster/docs/task-<id>/) defaults to the destination.

A follow-up run of the same service and task resumes the Claude session of the last one
(claude --resume <id>; the id is shown by runs get). --fresh starts over, --session-id picks a session.
With --max-retries, following (--watch) goes on into the retries and ends with the last attempt.
${WATCH_NOTE}

Examples:
  $ orchestrator task code 1 --service trader --repo git@github.com:5dlabs/platform.git --github-user swe-1-5dlabs
  $ orchestrator task code 3 --service trader --model opus --tool-config advanced --remote-tools github_create_issue
  $ orchestrator task code 3 --service trader --fresh --max-retries 2 --watch
  $ orchestrator task code 3 --service trader --continue-session --context-version 2 \\
      --prompt-modification "The tests in test/api fail; fix them" --env LOG_LEVEL=debug \\
      --env-from-secret OPENAI_API_KEY:openai:api-key`,
    )
    .action(async (taskId: number, flags: CodeFlags & { watch?: boolean }, command: Command) => {
      const resolved = resolveCodeRequest(taskId, flags, ctx.io);
      for (const note of resolved.notes) ctx.note(note);
      await submitRun(ctx, command, resolved.body, flags.watch);
    });
}
