import { RUN_KINDS, RUN_PHASES, RUN_SOURCE_TYPES, type RunRecord } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import { z } from "zod";
import { html, type SafeHtml } from "./html.js";
import {
  age,
  duration,
  phaseBadge,
  repositoryName,
  SOURCE_LABELS,
  searchText,
  serviceOf,
  sourceCell,
  taskLabel,
} from "./run-format.js";

const PAGE_SIZE = 50;
/** records read at most for one page when the service or text filter (not indexed) is set */
const SCAN_LIMIT = 5000;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
export const runsQuerySchema = z.object({
  phase: z.preprocess(blankToUndefined, z.enum(RUN_PHASES).optional()),
  kind: z.preprocess(blankToUndefined, z.enum(RUN_KINDS).optional()),
  source: z.preprocess(blankToUndefined, z.enum(RUN_SOURCE_TYPES).optional()),
  repository: z.preprocess(blankToUndefined, z.string().trim().max(300).optional()),
  service: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
  q: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  cursor: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d{1,16}(?::[a-z0-9-]{1,64})?$/)
      .optional(),
  ),
});
export type RunsQuery = z.infer<typeof runsQuerySchema>;

export interface RunsPage {
  runs: RunRecord[];
  nextCursor?: string | undefined;
}

/**
 * One page of runs, newest first, from the run store's index. Phase, kind, source and repository
 * are the store's filters; service and text are matched here, reading at most SCAN_LIMIT records.
 */
export async function loadRunsPage(store: RunStore, query: RunsQuery): Promise<RunsPage> {
  const base = { phase: query.phase, kind: query.kind, source: query.source, repository: query.repository };
  const needle = query.q?.toLowerCase();
  const keep = (run: RunRecord) =>
    (!query.service || serviceOf(run) === query.service) && (!needle || searchText(run).includes(needle));
  if (!query.service && !needle) return store.list({ ...base, cursor: query.cursor, limit: PAGE_SIZE });
  const runs: RunRecord[] = [];
  let cursor = query.cursor;
  for (let scanned = 0; scanned < SCAN_LIMIT; ) {
    const page = await store.list({ ...base, cursor, limit: 200 });
    for (const run of page.runs) {
      if (!keep(run)) continue;
      runs.push(run);
      // the store's cursor format: `<created ms>:<run id>`
      if (runs.length === PAGE_SIZE) return { runs, nextCursor: `${Date.parse(run.createdAt)}:${run.id}` };
    }
    scanned += page.runs.length;
    if (!page.nextCursor) return { runs };
    cursor = page.nextCursor;
  }
  return { runs, nextCursor: cursor };
}

function select(
  name: string,
  label: string,
  options: readonly string[],
  value: string | undefined,
  text?: (o: string) => string,
) {
  return html`<label>${label}
    <select name="${name}">
      <option value="">any</option>
      ${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ""}>${text ? text(o) : o}</option>`)}
    </select></label>`;
}

export function runRows(runs: readonly RunRecord[], now: Date): SafeHtml {
  if (runs.length === 0) return html`<tr><td colspan="10" class="empty">No runs match.</td></tr>`;
  return html`${runs.map(
    (run) => html`<tr data-run-id="${run.id}">
      <td><a href="/ui/runs/${encodeURIComponent(run.id)}">${run.id}</a></td>
      <td>${phaseBadge(run.phase)}</td>
      <td>${run.kind}</td>
      <td>${sourceCell(run)}</td>
      <td>${repositoryName(run)}</td>
      <td>${serviceOf(run)}</td>
      <td>${taskLabel(run)}</td>
      <td>${run.attempt}</td>
      <td><time datetime="${run.createdAt}">${age(run, now)}</time></td>
      <td>${duration(run, now)}</td>
    </tr>`,
  )}`;
}

export function runsPage(query: RunsQuery, page: RunsPage, now: Date): SafeHtml {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value && key !== "cursor") params.set(key, String(value));
  const next = page.nextCursor ? new URLSearchParams(params) : undefined;
  next?.set("cursor", page.nextCursor!);
  return html`<h1>Runs</h1>
<form class="filters" method="get" action="/ui/runs" role="search" aria-label="Filter runs">
  ${select("phase", "Phase", RUN_PHASES, query.phase)}
  ${select("kind", "Kind", RUN_KINDS, query.kind)}
  ${select("source", "Source", RUN_SOURCE_TYPES, query.source, (o) => SOURCE_LABELS[o as keyof typeof SOURCE_LABELS])}
  <label>Repository <input name="repository" value="${query.repository ?? ""}" placeholder="owner/name"></label>
  <label>Service <input name="service" value="${query.service ?? ""}"></label>
  <label>Text <input name="q" type="search" value="${query.q ?? ""}"></label>
  <button type="submit">Filter</button>
  <a href="/ui/runs">Clear</a>
</form>
<p class="live" aria-live="polite"><span id="live-status">${query.cursor ? "Older runs: not live" : "Live"}</span></p>
<div class="table-wrap">
<table class="runs">
  <caption class="visually-hidden">Runs, newest first</caption>
  <thead><tr><th scope="col">Run</th><th scope="col">Phase</th><th scope="col">Kind</th><th scope="col">Source</th>
  <th scope="col">Repository</th><th scope="col">Service</th><th scope="col">Task</th><th scope="col">Attempt</th>
  <th scope="col">Age</th><th scope="col">Duration</th></tr></thead>
  <tbody id="runs-body"${query.cursor ? "" : html` data-live="/ui/runs/rows?${params.toString()}"`}>${runRows(page.runs, now)}</tbody>
</table>
</div>
<nav class="pager" aria-label="Pages">
  ${query.cursor ? html`<a href="/ui/runs?${params.toString()}">Newest</a>` : ""}
  ${next ? html`<a href="/ui/runs?${next.toString()}" rel="next">Older runs</a>` : ""}
</nav>`;
}
