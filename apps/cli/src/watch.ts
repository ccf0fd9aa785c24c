import type { OrchestratorClient, RunUpdate } from "@orchestrator/client";
import type { RunPhase, RunRecord } from "@orchestrator/contracts";
import type { Writable } from "./cli-io.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { formatDuration, truncate } from "./output.js";
import { nextAttempt } from "./retry-chain.js";

export interface WatchOptions {
  /** where progress goes (stderr when stdout carries JSON) */
  out: Writable;
  /** redraw one status line in place instead of printing a line per transition */
  live: boolean;
  signal?: AbortSignal | undefined;
  now?: () => number;
  /** redraw interval of the live line, ms. @defaultValue 1000 */
  tickMs?: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** The exit code a followed run ends the process with: 0 only for Succeeded. */
export function exitCodeFor(phase: RunPhase): ExitCode {
  if (phase === "Succeeded") return EXIT.ok;
  if (phase === "Cancelled") return EXIT.cancelled;
  return EXIT.failure;
}

/**
 * Follows a run to its end. On a terminal the last line is a status line redrawn every second
 * (spinner, phase, elapsed time, message) with each transition printed above it; elsewhere
 * (pipes, CI logs) each transition is one plain line. A failed attempt that is retried (automatically
 * or by someone) is followed into its retry, so what is returned is the last attempt.
 */
export async function watchRun(
  client: OrchestratorClient,
  firstRunId: string,
  options: WatchOptions,
): Promise<RunRecord> {
  let runId = firstRunId;
  const now = options.now ?? Date.now;
  const { out, live } = options;
  let startedAt = now();
  let phase: RunPhase | undefined;
  let message = "";
  let frame = 0;
  let statusShown = false;

  const clearStatus = () => {
    if (live && statusShown) out.write("\r\x1b[2K");
    statusShown = false;
  };
  const drawStatus = () => {
    if (!live || !phase) return;
    const spinner = SPINNER[frame++ % SPINNER.length];
    const columns = ((out as { columns?: number }).columns || 100) - 45;
    out.write(
      `\r\x1b[2K${spinner} ${runId}  ${phase.padEnd(10)} ${formatDuration(now() - startedAt).padStart(6)}  ${truncate(message, Math.max(columns, 20))}`,
    );
    statusShown = true;
  };
  const printLine = (line: string) => {
    clearStatus();
    out.write(`${line}\n`);
    drawStatus();
  };
  const time = (iso: string) => (iso.length >= 19 ? iso.slice(11, 19) : iso);

  const onUpdate = (update: RunUpdate) => {
    if (update.type === "run") {
      const run = update.run;
      const created = Date.parse(run.createdAt);
      if (Number.isFinite(created)) startedAt = Math.min(created, now());
      message = run.message ?? run.timeline.at(-1)?.reason ?? "";
      if (run.phase !== phase) {
        const previous = phase;
        phase = run.phase;
        const last = run.timeline.at(-1);
        printLine(
          previous
            ? `${time(run.updatedAt)}  ${previous} → ${run.phase}  ${message}`
            : `${time(last?.at ?? run.updatedAt)}  ${run.phase}  ${message}`,
        );
      }
      return;
    }
    const event = update.event;
    if (event.phase === phase) return;
    phase = event.phase;
    message = event.reason;
    printLine(`${time(event.at)}  ${event.previousPhase} → ${event.phase}  ${event.reason}`);
  };

  const timer = live ? setInterval(drawStatus, options.tickMs ?? 1000) : undefined;
  try {
    let run = await client.wait(runId, { onEvent: onUpdate, signal: options.signal });
    for (
      let next = await nextAttempt(client, run, options);
      next;
      next = await nextAttempt(client, run, options)
    ) {
      printLine(
        `${time(run.updatedAt)}  ${run.id} ${run.phase}; retried as ${next} (attempt ${run.attempt + 1})`,
      );
      runId = next;
      phase = undefined;
      run = await client.wait(runId, { onEvent: onUpdate, signal: options.signal });
    }
    clearStatus();
    out.write(summary(run, now() - startedAt));
    return run;
  } finally {
    if (timer) clearInterval(timer);
    clearStatus();
  }
}

function summary(run: RunRecord, elapsedMs: number): string {
  const mark = run.phase === "Succeeded" ? "✔" : "✖";
  let text = `${mark} ${run.id} ${run.phase} after ${formatDuration(elapsedMs)}`;
  const reason = run.result?.reason ?? (run.phase === "Succeeded" ? undefined : run.message);
  if (reason) text += `: ${reason}`;
  text += "\n";
  const pr = run.result?.pullRequestUrl ?? run.links.pullRequestUrl;
  if (pr) text += `  pull request: ${pr}\n`;
  if (run.result?.branch) text += `  branch: ${run.result.branch}\n`;
  return text;
}
