import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { ConsoleUser } from "./console-auth.js";
import { html, type SafeHtml, safeHref } from "./html.js";
import { age, duration, phaseBadge, repositoryName, serviceOf, sourceCell, taskLabel } from "./run-format.js";

const runLink = (id: string) => html`<a href="/ui/runs/${encodeURIComponent(id)}">${id}</a>`;

function fact(label: string, value: SafeHtml | string | number | undefined): SafeHtml {
  return value === undefined || value === "" ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;
}

/** The part of the run page that live updates replace: phase, facts, result, retries, timeline. */
export function runSummary(run: RunRecord, now: Date): SafeHtml {
  const pr = safeHref(run.result?.pullRequestUrl ?? run.links.pullRequestUrl);
  return html`<div id="run-summary" data-phase="${run.phase}">
<p class="status">${phaseBadge(run.phase)} ${run.message ?? ""}</p>
<section aria-labelledby="facts-h"><h2 id="facts-h">Run</h2>
<dl class="facts">
  ${fact("Kind", run.kind)}
  ${fact("Source", sourceCell(run))}
  ${fact("Repository", repositoryName(run))}
  ${fact("Service", serviceOf(run))}
  ${fact("Task", taskLabel(run))}
  ${fact("Attempt", run.attempt)}
  ${fact("Runtime", run.runtime)}
  ${fact("Model", run.request.model)}
  ${fact("Created", html`<time datetime="${run.createdAt}">${run.createdAt}</time> (${age(run, now)})`)}
  ${fact("Duration", duration(run, now))}
  ${fact("Cancel requested", run.cancelRequestedAt)}
</dl></section>
<section aria-labelledby="result-h"><h2 id="result-h">Result</h2>
<dl class="facts">
  ${fact("Pull request", pr ? html`<a href="${pr}" rel="noreferrer">${pr}</a>` : undefined)}
  ${fact("Branch", run.result?.branch)}
  ${fact("Session", run.result?.sessionId)}
  ${fact("Failure reason", run.failureReason)}
  ${fact("Reason", run.result?.reason)}
  ${fact("Callback", run.callback ? `${run.callback.outcome} ${run.callback.detail ?? ""}` : undefined)}
</dl>
${run.result || run.failureReason || pr ? "" : html`<p>${isTerminalPhase(run.phase) ? "No result reported." : "Not finished yet."}</p>`}
${run.logTail ? html`<h3>Last lines of the failed agent (redacted)</h3><pre class="log">${run.logTail}</pre>` : ""}
</section>
<section aria-labelledby="retries-h"><h2 id="retries-h">Retries</h2>
<ul class="chain">
  ${run.request.retryOf ? html`<li>Retry of ${runLink(run.request.retryOf)}</li>` : ""}
  <li>This run: attempt ${run.attempt}</li>
  ${run.retriedBy ? html`<li>Retried by ${runLink(run.retriedBy)}</li>` : ""}
</ul></section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
<ol class="timeline">
  ${run.timeline.map(
    (entry) =>
      html`<li><time datetime="${entry.at}">${entry.at}</time> ${phaseBadge(entry.phase)} <span>${entry.reason}</span></li>`,
  )}
</ol></section>
</div>`;
}

/** What live updates replace: the buttons (they follow the phase) and the summary. */
export function liveRun(run: RunRecord, user: ConsoleUser, now: Date): SafeHtml {
  return html`${actions(run, user)}${runSummary(run, now)}`;
}

function actions(run: RunRecord, user: ConsoleUser): SafeHtml {
  if (user.role !== "operator") return html`<p class="note">Viewers cannot cancel or retry runs.</p>`;
  const id = encodeURIComponent(run.id);
  const csrf = html`<input type="hidden" name="_csrf" value="${user.csrf}">`;
  return html`<div class="actions">
  ${
    isTerminalPhase(run.phase)
      ? html`<form method="post" action="/ui/runs/${id}/retry" data-confirm="Retry run ${run.id} as a new run?">${csrf}
      ${run.phase === "Succeeded" ? html`<input type="hidden" name="force" value="true">` : ""}
      <button type="submit">Retry</button></form>`
      : html`<form method="post" action="/ui/runs/${id}/cancel" data-confirm="Cancel run ${run.id}?">${csrf}
      <button type="submit" class="danger">Cancel</button></form>`
  }
</div>`;
}

function renderedFiles(files: Record<string, string> | undefined): SafeHtml {
  const names = Object.keys(files ?? {}).sort();
  return html`<section aria-labelledby="files-h"><h2 id="files-h">Rendered files</h2>
${
  names.length === 0
    ? html`<p>Not available: not rendered yet, or the dispatch job that carried them has expired.</p>`
    : html`<p class="note">Read-only, secrets redacted.</p>${names.map(
        (name) =>
          html`<details class="file"><summary>${name}</summary><pre class="log">${files![name]}</pre></details>`,
      )}`
}</section>`;
}

export function runPage(
  run: RunRecord,
  user: ConsoleUser,
  now: Date,
  files: Record<string, string> | undefined,
  notice?: string,
): SafeHtml {
  const id = encodeURIComponent(run.id);
  return html`<p><a href="/ui/runs">← All runs</a></p>
<h1>Run <code>${run.id}</code></h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<div data-live-run="/ui/runs/${id}/summary" data-run-id="${run.id}">${liveRun(run, user, now)}</div>
<section aria-labelledby="logs-h"><h2 id="logs-h">Log</h2>
<p><button type="button" id="follow-log" data-logs="/ui/runs/${id}/logs" aria-controls="log">Follow log</button>
<span id="log-status" aria-live="polite"></span></p>
<pre id="log" class="log" tabindex="0" aria-label="Agent log"></pre>
</section>
${renderedFiles(files)}`;
}
