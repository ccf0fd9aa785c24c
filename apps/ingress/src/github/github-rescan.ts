import type { RunKind, RunRecord } from "@orchestrator/contracts";
import { ownerRepo } from "@orchestrator/github";
import type { IngressContext } from "../ingress-context.js";
import { decideGithubTrigger } from "../triggers/github-trigger.js";
import type { GithubContext } from "./github-payload.js";
import { buildGithubRunRequest, githubSingleFlightKey } from "./github-run-request.js";
import { withPullRequestHead } from "./pull-request-head.js";

/** A label older than this before the latest run of its issue still counts as answered (clock skew). */
const CLOCK_SLACK_MS = 60_000;

export interface RescanOptions {
  /** `owner/name` of the repositories to look at */
  repositories: readonly string[];
  /** only labels applied this recently are recovered (at most RUN_RETENTION), ms */
  windowMs: number;
}

export type RescanOutcome = "recovered" | "has_run" | "too_old" | "ignored" | "duplicate" | "failed";

/** What one re-scan found, per issue/label. */
export interface RescanResult {
  repository: string;
  number: number;
  label: string;
  outcome: RescanOutcome;
  runId?: string;
  message?: string;
}

/**
 * Missed-delivery reconciliation: lists the open issues and pull requests carrying a trigger label
 * (rules.github.labels) in the repositories, and for each whose label was applied within the window
 * and that has no run since, submits the run the `labeled` delivery would have created, through the
 * same path (trigger decision, rules, RunPolicy, single flight). Its idempotency key is
 * `github:rescan:<repo>#<n>:<label>:<labeled event id>`, so re-scans by several ingress replicas or
 * restarts create it once, and a label applied again later (a new event) is recovered again; a run the original delivery made is found through the issue index (latest run per issue).
 */
export async function rescanGithubTriggers(
  ctx: IngressContext,
  options: RescanOptions,
): Promise<RescanResult[]> {
  const github = ctx.github;
  if (!github) return [];
  const results: RescanResult[] = [];
  const kinds = ctx.rules.github.labels as Record<string, RunKind>;
  const since = ctx.now().getTime() - options.windowMs;
  for (const repository of options.repositories) {
    const target = { repository };
    for (const label of Object.keys(kinds)) {
      let items: RescanIssue[];
      try {
        items = await github.withRepository(target, (o) =>
          allPages(async (page) => {
            const { data } = await o.request("GET /repos/{owner}/{repo}/issues", {
              ...ownerRepo(repository),
              state: "open",
              labels: label,
              per_page: PER_PAGE,
              page,
            });
            return data as RescanIssue[];
          }),
        );
      } catch (err) {
        ctx.log.warn(
          { repository, label, err: { message: (err as Error).message } },
          "re-scan: listing failed",
        );
        results.push({ repository, number: 0, label, outcome: "failed", message: (err as Error).message });
        continue;
      }
      for (const item of items) {
        const one = { repository, number: item.number, label };
        try {
          results.push({ ...one, ...(await recoverOne(ctx, repository, label, item, since)) });
        } catch (err) {
          results.push({ ...one, outcome: "failed", message: (err as Error).message });
        }
      }
    }
  }
  for (const r of results) {
    if (r.outcome === "recovered") ctx.metrics.githubRecovered.inc({ kind: kinds[r.label] ?? "unknown" });
  }
  const recovered = results.filter((r) => r.outcome === "recovered");
  if (recovered.length > 0)
    ctx.log.info(
      { recovered: recovered.map((r) => `${r.repository}#${r.number}:${r.label} → ${r.runId}`) },
      "re-scan recovered runs of missed GitHub deliveries",
    );
  return results;
}

const PER_PAGE = 100;
/** 30 pages of 100: open labelled issues of one label, or events of one issue, beyond are not read */
const MAX_PAGES = 30;

/** Every page of a GitHub list (`page` 1, 2, …) until a short page, at most {@link MAX_PAGES}. */
async function allPages<T>(fetchPage: (page: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const items = await fetchPage(page);
    all.push(...items);
    if (items.length < PER_PAGE) break;
  }
  return all;
}

interface RescanIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url?: string;
  state?: string;
  pull_request?: object;
}

async function recoverOne(
  ctx: IngressContext,
  repository: string,
  label: string,
  item: RescanIssue,
  since: number,
): Promise<Omit<RescanResult, "repository" | "number" | "label">> {
  const github = ctx.github!;
  const target = { repository };
  // GitHub lists an issue's events oldest first: the latest labelling may be on the last page
  const events = await github.withRepository(target, (o) =>
    allPages(
      async (page) =>
        (
          await o.request("GET /repos/{owner}/{repo}/issues/{issue_number}/events", {
            ...ownerRepo(repository),
            issue_number: item.number,
            per_page: PER_PAGE,
            page,
          })
        ).data as {
          id?: number;
          event: string;
          created_at: string;
          actor?: { login: string; type?: string } | null;
          label?: { name: string };
        }[],
    ),
  );
  const labeled = events.filter((e) => e.event === "labeled" && e.label?.name === label).at(-1);
  const labeledAt = labeled ? Date.parse(labeled.created_at) : Number.NaN;
  if (!labeled || !(labeledAt >= since)) return { outcome: "too_old" };
  const latestId = await ctx.issueIndex.latest(repository, item.number);
  const latest = latestId ? await ctx.runStore.get(latestId) : undefined;
  if (latest && Date.parse(latest.createdAt) >= labeledAt - CLOCK_SLACK_MS)
    return { outcome: "has_run", runId: latest.id };

  const { data: repo } = await github.withRepository(target, (o) =>
    o.request("GET /repos/{owner}/{repo}", ownerRepo(repository)),
  );
  const context: GithubContext = {
    event: item.pull_request ? "pull_request" : "issues",
    action: "labeled",
    repository: {
      full_name: repo.full_name,
      ssh_url: repo.ssh_url,
      clone_url: repo.clone_url,
      default_branch: repo.default_branch,
      html_url: repo.html_url,
    },
    sender: {
      login: labeled.actor?.login ?? "ghost",
      ...(labeled.actor?.type ? { type: labeled.actor.type } : {}),
    },
    installationId: undefined,
    number: item.number,
    isPullRequest: item.pull_request !== undefined,
    title: item.title,
    body: item.body ?? "",
    htmlUrl: item.html_url,
    state: item.state,
    label,
  };
  const trigger = decideGithubTrigger(context, ctx.rules);
  if (trigger.type !== "run")
    return { outcome: "ignored", message: "ignore" in trigger ? trigger.ignore.message : "" };
  const withHead = trigger.kind === "docs" ? await withPullRequestHead(context, github) : context;
  if ("ignore" in withHead) return { outcome: "ignored", message: withHead.ignore.message };
  // one key per application of the label: the same event seen again (a restart, another replica) is
  // the same run; the label applied again later is a new event and gets its own
  const delivery = {
    hookId: "rescan",
    deliveryId: `${repository}#${item.number}:${label}:${labeled.id ?? labeled.created_at}`,
  };
  const built = buildGithubRunRequest({
    ctx: withHead,
    delivery,
    kind: trigger.kind,
    options: trigger.options,
    rules: ctx.rules,
    config: ctx.config,
  });
  if ("ignore" in built) return { outcome: "ignored", message: built.ignore.message };
  const result = await ctx.submitter.submit({
    request: built.request,
    singleFlightKey: githubSingleFlightKey(repository, item.number, trigger.kind),
    reason: `re-scan: ${label} on #${item.number} by @${context.sender.login} (delivery missed)`,
    issue: { fullName: repository, number: item.number },
  });
  // active: a run of this issue and kind is under way (single flight), so the label is being answered
  const outcome =
    result.outcome === "created" ? "recovered" : result.outcome === "active" ? "has_run" : "duplicate";
  return { outcome, runId: result.run.id };
}

/**
 * The run the re-scan recovered for this very application of a label, if any: a `labeled` delivery
 * that was lost while the ingress was down and is redelivered after the re-scan's run ended must not
 * start a second one (its own idempotency key is the delivery's, not the re-scan's).
 */
export async function runRecoveredForLabel(
  ctx: Pick<IngressContext, "issueIndex" | "runStore">,
  context: Pick<GithubContext, "repository" | "number" | "label" | "labeledAt">,
): Promise<RunRecord | undefined> {
  const labeledAt = Date.parse(context.labeledAt ?? "");
  if (context.label === undefined || Number.isNaN(labeledAt)) return undefined;
  const id = await ctx.issueIndex.latest(context.repository.full_name, context.number);
  const latest = id ? await ctx.runStore.get(id) : undefined;
  const source = latest?.request.source;
  if (!latest || source?.type !== "github" || source.hookId !== "rescan") return undefined;
  const prefix = `${context.repository.full_name}#${context.number}:${context.label}:`.toLowerCase();
  if (!source.deliveryId.toLowerCase().startsWith(prefix)) return undefined;
  return Date.parse(latest.createdAt) >= labeledAt - CLOCK_SLACK_MS ? latest : undefined;
}
