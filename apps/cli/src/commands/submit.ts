import type { CreateRunBody, CreateRunResponse } from "@orchestrator/client";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { printJson } from "../output.js";
import { exitCodeFor, watchRun } from "../watch.js";

/** Sends a new run, prints its id and, when asked (or on a terminal), follows it to the end. */
export async function submitRun(
  ctx: CliContext,
  command: Command,
  body: CreateRunBody,
  watchFlag: boolean | undefined,
): Promise<void> {
  const client = ctx.client(command);
  const created = await client.create(body, { signal: ctx.io.signal });
  await announceAndFollow(ctx, command, created, watchFlag);
}

/** Shared by `task docs|code` and `runs retry`: the accepted run, then the live display. */
export async function announceAndFollow(
  ctx: CliContext,
  command: Command,
  created: CreateRunResponse | (CreateRunResponse & { retryOf: string }),
  watchFlag: boolean | undefined,
): Promise<void> {
  const json = ctx.json(command);
  const watch = ctx.shouldWatch(watchFlag);
  const { stdout } = ctx.io;
  if (json && !watch) {
    printJson(stdout, created);
    return;
  }
  const what = created.duplicate
    ? `run ${created.runId} already exists for this request (${created.phase})`
    : created.active
      ? `a run for the same work is already active: ${created.runId} (${created.phase})`
      : `run ${created.runId} accepted (${created.phase})`;
  // with JSON on stdout, the human line goes to stderr; scripts read the id from the JSON
  if (json) ctx.note(what);
  else stdout.write(`${what}\n`);
  if (!watch) {
    ctx.note(`follow it: orchestrator runs watch ${created.runId}`);
    return;
  }
  const run = await watchRun(ctx.client(command), created.runId, {
    out: json ? ctx.io.stderr : stdout,
    live: ctx.io.isTTY && !json,
    signal: ctx.io.signal,
  });
  if (json) printJson(stdout, run);
  ctx.exitCode = exitCodeFor(run.phase);
}
