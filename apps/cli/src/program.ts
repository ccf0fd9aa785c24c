import {
  NotAnOrchestratorApiError,
  OrchestratorApiError,
  OrchestratorConnectionError,
  OrchestratorTimeoutError,
} from "@orchestrator/client";
import { Command, CommanderError, Option } from "commander";
import { CheckFailedError } from "./check-failed-error.js";
import { CliContext } from "./cli-context.js";
import type { CliIo } from "./cli-io.js";
import { registerMiscCommands } from "./commands/misc.js";
import { registerRenderCommand } from "./commands/render.js";
import { registerRunsCommands } from "./commands/runs.js";
import { registerTaskCommands } from "./commands/task.js";
import { EXIT } from "./exit-codes.js";
import { HintedError } from "./hinted-error.js";
import { OUTPUT_FORMATS } from "./output.js";
import { UsageError } from "./usage-error.js";
import { CLI_VERSION } from "./version.js";

const ROOT_HELP = `
Examples:
  $ orchestrator task docs --working-directory _projects/trader --model opus
  $ orchestrator task code 1 --service trader --repo git@github.com:5dlabs/platform.git --github-user swe-1-5dlabs
  $ orchestrator runs list --phase Running
  $ orchestrator runs logs run-0m3x2k9a1b2c3d4e5 --follow
  $ orchestrator render code 1 --service trader --repo git@github.com:acme/trader.git --github-user octocat --out /tmp/r

API URL: --api-url › ORCHESTRATOR_API_URL › "apiUrl" in the config file › http://localhost:8080
Token:   ORCHESTRATOR_TOKEN › "token" in the config file › $DATA_DIR/api-token, then .data/api-token,
         of a local \`npm start\` (only for a localhost API URL)
Config file: ORCHESTRATOR_CONFIG › $XDG_CONFIG_HOME/orchestrator/config.json › ~/.config/orchestrator/config.json
             e.g. {"apiUrl": "https://orchestrator.example.com", "token": "…"}

Exit codes: 0 success (a followed run Succeeded), 1 failure (run Failed, API or check error),
            2 bad flags, 3 run Cancelled, 130 interrupted while following (the run goes on).`;

/** API field (from a 400's details) → the flag that sets it, so server-side errors name flags too. */
const FIELD_FLAGS: Record<string, string> = {
  docsRepositoryUrl: "--platform-repository-url",
  docsBranch: "--platform-branch",
  envFromSecrets: "--env-from-secret",
};

function flagFor(path: string): string {
  const field = path.split(".")[0] ?? path;
  return FIELD_FLAGS[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Builds the command tree; `ctx` collects the exit code. */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command("orchestrator")
    .description("Run Claude Code agents on Kubernetes for Task Master projects, and follow their runs.")
    .version(CLI_VERSION, "-V, --version")
    .option(
      "--api-url <url>",
      "orchestrator API (default: ORCHESTRATOR_API_URL, the config file, or http://localhost:8080)",
    )
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .addHelpText("after", ROOT_HELP)
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });
  registerTaskCommands(program, ctx);
  registerRunsCommands(program, ctx);
  registerRenderCommand(program, ctx);
  registerMiscCommands(program, ctx);
  // every command throws instead of calling process.exit, so runCli decides the exit code
  const applyToAll = (command: Command) => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });
    command.showHelpAfterError("(add --help for usage)");
    for (const sub of command.commands) applyToAll(sub);
  };
  applyToAll(program);
  return program;
}

/** Runs the CLI with `args` (without node and script) and returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...args], { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: CliIo): number {
  const error = (text: string) => io.stderr.write(`error: ${text}\n`);
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help / version)
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError) {
    for (const problem of err.problems) error(problem);
    io.stderr.write("(add --help for usage)\n");
    return EXIT.usage;
  }
  if (err instanceof HintedError) {
    const code = report(err.cause, io);
    io.stderr.write(`${err.hint}\n`);
    return code;
  }
  if (err instanceof CheckFailedError) {
    error(err.message);
    io.stderr.write("Nothing was sent.\n");
    return EXIT.failure;
  }
  if (err instanceof NotAnOrchestratorApiError) {
    // one line naming the URL and status; never the other server's page
    error(err.message);
    return EXIT.failure;
  }
  if (err instanceof OrchestratorApiError) {
    error(`${err.message} (HTTP ${err.status})`);
    for (const detail of err.details) {
      // preflight problems name their own fix (a variable or command of the server's machine)
      if (detail.path === "preflight") io.stderr.write(`  - ${detail.message}\n`);
      else io.stderr.write(`  ${flagFor(detail.path)}: ${detail.message}\n`);
    }
    if (err.status === 401 || err.status === 403) {
      io.stderr.write(
        'Set a valid token: ORCHESTRATOR_TOKEN, or "token" in ~/.config/orchestrator/config.json (see orchestrator config).\n',
      );
    }
    return EXIT.failure;
  }
  if (err instanceof OrchestratorConnectionError || err instanceof OrchestratorTimeoutError) {
    error(err.message);
    return EXIT.failure;
  }
  if (io.signal?.aborted) {
    io.stderr.write(
      "\ninterrupted; a run that was accepted keeps going (orchestrator runs cancel <id> stops it)\n",
    );
    return EXIT.interrupted;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  error(e.message);
  if (io.env.ORCHESTRATOR_DEBUG) io.stderr.write(`${e.stack ?? ""}\n`);
  return EXIT.failure;
}
