import { formatDuration as formatCompactDuration, type RunRecord } from "@orchestrator/contracts";
import type { Writable } from "./cli-io.js";

export const OUTPUT_FORMATS = ["table", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function printJson(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** `3s`, `4m05s`, `2h03m`, `3d04h`: durations for aligned columns. */
export function formatDuration(ms: number): string {
  return formatCompactDuration(ms, { compact: true });
}

/** `acme/trader` from any accepted repository URL form. */
export function shortRepository(url: string): string {
  return url
    .replace(/\.git$/, "")
    .replace(/^git@[^:]+:/, "")
    .replace(/^(?:ssh|https):\/\/[^/]+\//, "");
}

/** What a run works on, in one short cell: `acme/trader` or `acme/platform task 3 (trader)`. */
export function runTarget(run: RunRecord): string {
  const request = run.request;
  const repo = shortRepository(request.repositoryUrl);
  if (request.kind === "code") return `${repo} task ${request.taskId} (${request.service})`;
  return request.workingDirectory && request.workingDirectory !== "."
    ? `${repo} ${request.workingDirectory}`
    : repo;
}

export function truncate(text: string, max: number): string {
  const single = text.replace(/\s+/g, " ").trim();
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}

export function formatRunList(runs: readonly RunRecord[], now: Date): string {
  if (runs.length === 0) return "No runs.\n";
  return formatTable(
    ["RUN", "KIND", "PHASE", "AGE", "SOURCE", "TARGET", "MESSAGE"],
    runs.map((run) => [
      run.id,
      run.kind,
      run.phase,
      formatDuration(now.getTime() - Date.parse(run.createdAt)),
      run.request.source?.type ?? "",
      runTarget(run),
      truncate(run.message ?? "", 60),
    ]),
  );
}

/** `runs get`: the run, its timeline and its outcome. */
export function formatRunDetails(run: RunRecord): string {
  const request = run.request;
  const rows: [string, string | undefined][] = [
    ["Run", run.id],
    ["Kind", run.kind],
    ["Phase", run.phase],
    ["Message", run.message],
    ["Attempt", String(run.attempt)],
    ["Source", request.source ? describeSource(run) : undefined],
    ["Repository", request.repositoryUrl],
    ["Working dir", request.workingDirectory],
    ["Model", request.model],
    ["GitHub user", request.githubUser],
  ];
  if (request.kind === "docs") rows.push(["Source branch", request.sourceBranch]);
  else {
    rows.push(
      ["Task", String(request.taskId)],
      ["Service", request.service],
      ["Platform repo", request.docsRepositoryUrl],
      ["Platform branch", request.docsBranch],
      ["Branch", request.branch],
      ["Tool config", request.toolConfig],
      ["Context version", String(request.contextVersion)],
    );
  }
  rows.push(
    ["Created", run.createdAt],
    ["Updated", run.updatedAt],
    ["Pull request", run.result?.pullRequestUrl ?? run.links.pullRequestUrl],
    ["Result", run.result?.outcome],
    ["Result branch", run.result?.branch],
    ["Commit", run.result?.commit],
    ["Session", run.result?.sessionId],
    ["Reason", run.result?.reason],
    ["Failure", typeof run.failureReason === "string" ? oneLine(run.failureReason, 100) : undefined],
    ["Job", run.links.job],
    ["Pod", run.links.pod],
    ["Retry of", request.retryOf],
    ["Retried by", run.retriedBy],
    ["Cancel requested", run.cancelRequestedAt],
    ["Callback", describeCallback(run.callback)],
  );
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== "");
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  let text = shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
  text += "\n\nTimeline:\n";
  const timeline = formatTable(
    ["AT", "PHASE", "REASON"],
    run.timeline.map((t) => [t.at, t.phase, truncate(t.reason, 100)]),
  );
  text += timeline
    .trimEnd()
    .split("\n")
    .map((line) => `  ${line}\n`)
    .join("");
  if (run.phase === "Failed" && typeof run.logTail === "string") text += formatLogTail(run.logTail);
  return text;
}

/** At most this many of the record's `logTail` lines are shown by `runs get`. */
export const LOG_TAIL_LINES = 20;

/**
 * Text from the run record that came from the agent or a remote system, made safe for a terminal:
 * ANSI escape sequences and other control characters (except tab) are removed.
 */
function stripControl(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "")
  );
}

function oneLine(text: string, max: number): string {
  return truncate(stripControl(text.replace(/[\r\n]+/g, " ")), max);
}

/** `failed at 2025-01-02T03:04:05.000Z: HTTP 500` */
function describeCallback(callback: RunRecord["callback"]): string | undefined {
  if (!callback || typeof callback !== "object" || typeof callback.outcome !== "string") return undefined;
  let text = oneLine(callback.outcome, 40);
  if (typeof callback.at === "string" && callback.at) text += ` at ${oneLine(callback.at, 40)}`;
  if (typeof callback.detail === "string" && callback.detail.trim())
    text += `: ${oneLine(callback.detail, 100)}`;
  return text;
}

/** The last lines of a failed run's output, indented under `Last output:`; empty when there are none. */
function formatLogTail(logTail: string): string {
  const lines = logTail
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => stripControl(line).trimEnd());
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  while (lines.length > 0 && lines[0] === "") lines.shift();
  if (lines.length === 0) return "";
  const shown = lines.slice(-LOG_TAIL_LINES);
  let text = "\nLast output:\n";
  if (lines.length > shown.length) text += `  … ${lines.length - shown.length} earlier lines not shown\n`;
  return text + shown.map((line) => (line ? `  ${line}\n` : "\n")).join("");
}

function describeSource(run: RunRecord): string {
  const source = run.request.source;
  switch (source.type) {
    case "github":
      return `github ${source.repository}${source.number !== undefined ? `#${source.number}` : ""} (${source.event})`;
    case "grafana":
      return `grafana alert ${source.alertName}`;
    case "kubernetes":
      return `kubernetes ${source.namespace}/${source.name}`;
    default:
      return source.actor ? `${source.type} (${source.actor})` : source.type;
  }
}
