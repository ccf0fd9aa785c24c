import { OrchestratorApiError } from "@orchestrator/client";
import {
  RUN_KINDS,
  RUN_PHASES,
  RUN_SOURCE_TYPES,
  type RunKind,
  type RunPhase,
  type RunSourceType,
} from "@orchestrator/contracts";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { CliContext } from "../cli-context.js";
import { intArg } from "../flag-values.js";
import { examples, EXAMPLE_RUN_ID as RUN } from "../help-examples.js";
import { HintedError } from "../hinted-error.js";
import { formatRunDetails, formatRunList, printJson } from "../output.js";
import { exitCodeFor, watchRun } from "../watch.js";
import { addWatchOptions } from "./run-options.js";
import { announceAndFollow } from "./submit.js";

/** Phases are matched case-insensitively (`--phase failed`) and sent in the API's spelling. */
function phaseArg(value: string): RunPhase {
  const phase = RUN_PHASES.find((p) => p.toLowerCase() === value.toLowerCase());
  if (!phase) throw new InvalidArgumentError(`must be one of ${RUN_PHASES.join(", ")}`);
  return phase;
}

export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program
    .command("runs")
    .description("list, inspect, follow, cancel and retry runs")
    .addHelpText(
      "after",
      examples(
        "orchestrator runs list --phase Running",
        `orchestrator runs get ${RUN}`,
        `orchestrator runs logs ${RUN} --follow`,
        `orchestrator runs watch ${RUN}`,
        `orchestrator runs cancel ${RUN}`,
        `orchestrator runs retry ${RUN}`,
      ),
    );

  runs
    .command("list")
    .description("list runs, newest first")
    // choices for help and completion; the parser accepts any case (`--phase failed`)
    .addOption(
      new Option("--phase <phase>", "only runs in this phase").choices(RUN_PHASES).argParser(phaseArg),
    )
    .addOption(new Option("--kind <kind>", "only docs or code runs").choices(RUN_KINDS))
    .addOption(new Option("--source <source>", "only runs from this source").choices(RUN_SOURCE_TYPES))
    .option("--repository <repo>", "only runs for this repository (URL or owner/name)")
    .option("--limit <n>", "at most this many runs (default: 50)", intArg(1, 500))
    .option("--cursor <cursor>", "the next page (printed after a full page)")
    .addHelpText(
      "after",
      examples(
        "orchestrator runs list --phase Running",
        "orchestrator runs list --kind code --source github --limit 10",
        "orchestrator runs list --repository acme/trader -o json",
      ),
    )
    .action(
      async (
        flags: {
          phase?: RunPhase;
          kind?: RunKind;
          source?: RunSourceType;
          repository?: string;
          limit?: number;
          cursor?: string;
        },
        command: Command,
      ) => {
        const page = await ctx.client(command).list(flags, { signal: ctx.io.signal });
        if (ctx.json(command)) {
          printJson(ctx.io.stdout, page);
          return;
        }
        ctx.io.stdout.write(formatRunList(page.runs, new Date()));
        if (page.nextCursor) ctx.note(`more: orchestrator runs list --cursor ${page.nextCursor}`);
      },
    );

  runs
    .command("get")
    .description("show a run: request, timeline, result and pull request")
    .argument("<runId>", "run id")
    .addHelpText(
      "after",
      examples(
        `orchestrator runs get ${RUN}`,
        `orchestrator runs get ${RUN} -o json | jq -r .result.pullRequestUrl`,
      ),
    )
    .action(async (runId: string, _flags: unknown, command: Command) => {
      const run = await ctx.client(command).get(runId, { signal: ctx.io.signal });
      if (ctx.json(command)) printJson(ctx.io.stdout, run);
      else ctx.io.stdout.write(formatRunDetails(run));
    });

  runs
    .command("logs")
    .description("print the agent's log (from the pod, or the local runtime's log file)")
    .argument("<runId>", "run id")
    .option("-f, --follow", "keep printing while the run is active")
    .option("--tail <n>", "only the last n lines", intArg(1, 1_000_000))
    .addHelpText(
      "after",
      examples(
        `orchestrator runs logs ${RUN} --follow`,
        `orchestrator runs logs ${RUN} --tail 200 > agent.log`,
      ),
    )
    .action(async (runId: string, flags: { follow?: boolean; tail?: number }, command: Command) => {
      const stream = ctx.client(command).logs(runId, {
        follow: flags.follow ?? false,
        tailLines: flags.tail,
        signal: ctx.io.signal,
      });
      for await (const chunk of stream) ctx.io.stdout.write(chunk);
    });

  runs
    .command("watch")
    .description("follow a run until it ends; the exit code tells how (0 Succeeded, 1 Failed, 3 Cancelled)")
    .argument("<runId>", "run id")
    .addHelpText(
      "after",
      examples(
        `orchestrator runs watch ${RUN}`,
        `orchestrator runs watch ${RUN} -o json > final-run.json && echo succeeded`,
      ),
    )
    .action(async (runId: string, _flags: unknown, command: Command) => {
      const json = ctx.json(command);
      const run = await watchRun(ctx.client(command), runId, {
        out: json ? ctx.io.stderr : ctx.io.stdout,
        live: ctx.io.isTTY && !json,
        signal: ctx.io.signal,
      });
      if (json) printJson(ctx.io.stdout, run);
      ctx.exitCode = exitCodeFor(run.phase);
    });

  runs
    .command("cancel")
    .description("ask for a run to be stopped (its Job is deleted; the run ends Cancelled)")
    .argument("<runId>", "run id")
    .addHelpText(
      "after",
      examples(
        `orchestrator runs cancel ${RUN}`,
        `orchestrator runs cancel ${RUN} && orchestrator runs watch ${RUN}`,
      ),
    )
    .action(async (runId: string, _flags: unknown, command: Command) => {
      const answer = await ctx.client(command).cancel(runId, { signal: ctx.io.signal });
      if (ctx.json(command)) printJson(ctx.io.stdout, answer);
      else ctx.io.stdout.write(`cancel requested for ${answer.runId} (phase ${answer.phase})\n`);
    });

  addWatchOptions(
    runs
      .command("retry")
      .description("start the next attempt of a finished run (code runs continue the session)")
      .argument("<runId>", "run id")
      .option("--force", "retry a run that succeeded, too")
      .addHelpText(
        "after",
        examples(`orchestrator runs retry ${RUN}`, `orchestrator runs retry ${RUN} --force --no-watch`),
      ),
  ).action(async (runId: string, flags: { watch?: boolean; force?: boolean }, command: Command) => {
    const answer = await ctx
      .client(command)
      .retry(runId, { signal: ctx.io.signal, force: flags.force ?? false })
      .catch((err: unknown) => {
        // the API asks for `?force=true` to retry a succeeded run; on the command line that is --force.
        // Only the reason text tells this 409 from "not finished yet", so the hint keys on it.
        if (
          err instanceof OrchestratorApiError &&
          err.status === 409 &&
          !flags.force &&
          /\bforce\b/i.test(err.message)
        )
          throw new HintedError("use --force to retry a succeeded run", { cause: err });
        throw err;
      });
    if (!ctx.json(command)) ctx.note(`retry of ${answer.retryOf}`);
    await announceAndFollow(ctx, command, answer, flags.watch);
  });
}
