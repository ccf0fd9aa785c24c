import { formatDuration, isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import { html, type SafeHtml, safeHref } from "./html.js";

/** Source labels as operators name them: the PM agent calls the API. */
export const SOURCE_LABELS: Record<RunRecord["request"]["source"]["type"], string> = {
  github: "GitHub",
  grafana: "Grafana",
  api: "PM/API",
  cli: "CLI",
  kubernetes: "kubectl",
};

/** The source with a link to the issue, pull request or alert it came from. */
export function sourceCell(run: RunRecord): SafeHtml {
  const source = run.request.source;
  const label = SOURCE_LABELS[source.type];
  switch (source.type) {
    case "github": {
      const what =
        source.number !== undefined
          ? `${source.isPullRequest ? "PR" : "issue"} #${source.number}`
          : source.event;
      const href =
        safeHref(source.htmlUrl) ??
        (source.number !== undefined
          ? `https://github.com/${source.repository}/issues/${source.number}`
          : undefined);
      return href ? html`${label} <a href="${href}" rel="noreferrer">${what}</a>` : html`${label} ${what}`;
    }
    case "grafana": {
      const href = safeHref(source.generatorUrl ?? source.dashboardUrl ?? source.panelUrl);
      return href
        ? html`${label} <a href="${href}" rel="noreferrer">${source.alertName}</a>`
        : html`${label} ${source.alertName}`;
    }
    case "kubernetes":
      return html`${label} ${source.namespace}/${source.name}`;
    default:
      return html`${label}${source.actor ? html` (${source.actor})` : ""}`;
  }
}

export function repositoryName(run: RunRecord): string {
  return run.request.repositoryUrl.replace(/^https?:\/\/[^/]+\//, "").replace(/\.git$/, "");
}

/** The service of a code run (docs runs have none). */
export function serviceOf(run: RunRecord): string | undefined {
  return run.request.kind === "code" ? run.request.service : undefined;
}

export function taskLabel(run: RunRecord): string {
  return run.request.kind === "code" ? `task ${run.request.taskId}` : "docs";
}

/** How long ago, from the run's creation. */
export function age(run: RunRecord, now: Date): string {
  return `${formatDuration(Math.max(0, now.getTime() - Date.parse(run.createdAt)))} ago`;
}

/** Creation to the final phase, or to now while it runs. */
export function duration(run: RunRecord, now: Date): string {
  const end = isTerminalPhase(run.phase) ? Date.parse(run.updatedAt) : now.getTime();
  return formatDuration(Math.max(0, end - Date.parse(run.createdAt)));
}

export function phaseBadge(phase: RunRecord["phase"]): SafeHtml {
  return html`<span class="phase phase-${phase.toLowerCase()}">${phase}</span>`;
}

/** `owner/name`, the search text of the text filter. */
export function searchText(run: RunRecord): string {
  const source = run.request.source;
  return [
    run.id,
    run.message,
    run.failureReason,
    run.request.repositoryUrl,
    serviceOf(run),
    source.type === "github" ? `${source.repository} #${source.number ?? ""} ${source.sender}` : "",
    source.type === "grafana" ? source.alertName : "",
    run.links.pullRequestUrl,
  ]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
}
