import { formatDuration, isTerminalPhase, type RunPhase, type RunRecord } from "@orchestrator/contracts";

const ICONS: Record<RunPhase, string> = {
  Queued: "⏳",
  Rendering: "⚙️",
  Dispatched: "🚚",
  Pending: "⏳",
  Running: "🏃",
  Succeeded: "✅",
  Failed: "❌",
  Cancelled: "🚫",
};

/** Hidden marker that identifies the comment of a run (found again after a crash mid-create). */
export function commentMarker(runId: string): string {
  return `<!-- orchestrator-run: ${runId} -->`;
}

export interface CommentOptions {
  /** public base URL of the API, for a link to the run */
  publicUrl?: string | undefined;
}

/**
 * The body of a run's GitHub comment. A pure function of the run record (never of the clock), so
 * rendering an unchanged run gives the same text and the edit can be skipped.
 */
export function renderRunComment(run: RunRecord, options: CommentOptions = {}): string {
  const request = run.request;
  const what =
    request.kind === "code" ? `code run for task ${request.taskId} (\`${request.service}\`)` : "docs run";
  const attempt =
    request.kind === "code" && request.maxRetries > 0
      ? ` · attempt ${run.attempt} of ${request.maxRetries + 1}`
      : run.attempt > 1
        ? ` · attempt ${run.attempt}`
        : "";
  const rows: [string, string][] = [["Phase", `${ICONS[run.phase]} ${run.phase}`]];
  const finished = isTerminalPhase(run.phase)
    ? run.timeline.findLast((t) => t.phase === run.phase)
    : undefined;
  if (finished) rows.push(["Duration", formatDuration(Date.parse(finished.at) - Date.parse(run.createdAt))]);
  else rows.push(["Started", `${run.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}`]);
  const pr = run.result?.pullRequestUrl ?? run.links.pullRequestUrl;
  if (pr) rows.push(["Pull request", pr]);
  if (run.message) rows.push([run.phase === "Failed" ? "Reason" : "Status", cell(run.message)]);
  if (request.kind === "code" && request.contextVersion > 1)
    rows.push(["Context version", String(request.contextVersion)]);
  if (request.retryOf) rows.push(["Previous attempt", `\`${request.retryOf}\``]);
  if (run.retriedBy) rows.push(["Retried as", `\`${run.retriedBy}\``]);
  const details = options.publicUrl
    ? ` · [details](${options.publicUrl.replace(/\/+$/, "")}/api/v1/runs/${run.id})`
    : "";
  return [
    commentMarker(run.id),
    `**Orchestrator** ${what} \`${run.id}\`${attempt}`,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| **${k}** | ${v} |`),
    "",
    `Logs: \`orchestrator runs logs ${run.id}\`${details}`,
    "",
  ].join("\n");
}

/** Text safe inside a table cell: one line, no pipes, no @-mentions that would notify people. */
function cell(text: string): string {
  const oneLine = text
    .replace(/\s*\n\s*/g, " ")
    .replaceAll("|", "\\|")
    .replace(/@(?=\w)/g, "@\u200b");
  return oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
}
