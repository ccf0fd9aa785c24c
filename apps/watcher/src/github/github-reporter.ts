import { createHash } from "node:crypto";
import type { RunRecord } from "@orchestrator/contracts";
import type { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { CheckRunReporter } from "./check-run-reporter.js";
import { commentMarker, renderRunComment } from "./comment-body.js";
import type { GithubClient, GithubTarget } from "./github-client.js";

export type CommentOutcome = "created" | "updated" | "unchanged" | "skipped";

export interface GithubReporterDeps {
  runStore: RunStore;
  /** client connection, for the last-posted body digests and create intents */
  redis: Redis;
  /** key prefix of the watcher's own records (`<QUEUE_PREFIX>:watcher`) */
  keyPrefix: string;
  client: GithubClient;
  publicUrl?: string | undefined;
  /** how long digests and intents are kept (RUN_RETENTION), ms */
  retentionMs: number;
  log: Logger;
  comments: Counter<"outcome">;
}

/**
 * Keeps one comment per GitHub-triggered run (and, for pull requests, a Check Run) on its issue/PR in step with the run. The comment id is
 * stored on the run record, the digest of the last posted body in Redis, so a restart edits rather
 * than re-posts and an unchanged body is never sent again. A create is preceded by an intent record:
 * if the process died between creating the comment and recording its id, the next attempt finds the
 * comment by its hidden marker instead of posting a second one.
 */
export class GithubReporter {
  private readonly checks: CheckRunReporter;

  constructor(private readonly deps: GithubReporterDeps) {
    this.checks = new CheckRunReporter(deps);
  }

  /** Whether a run reports to GitHub at all. */
  static wants(run: RunRecord): boolean {
    const source = run.request.source;
    return source.type === "github" && source.number !== undefined;
  }

  async sync(runId: string): Promise<CommentOutcome> {
    const found = await this.deps.runStore.get(runId);
    const source = found?.request.source;
    if (!found || !GithubReporter.wants(found) || source?.type !== "github") return "skipped";
    if (await this.handedOn(found)) {
      this.deps.comments.inc({ outcome: "skipped" });
      return "skipped";
    }
    const run = await this.inheritComment(found);
    const issue = source.number as number;
    const target: GithubTarget = { repository: source.repository, installationId: source.installationId };
    const body = renderRunComment(run, { publicUrl: this.deps.publicUrl });
    const digest = createHash("sha256").update(body).digest("hex");
    const digestKey = `${this.deps.keyPrefix}:gh-body:${runId}`;
    const outcome = await this.syncBody(run, target, issue, body, digest, digestKey);
    this.deps.comments.inc({ outcome });
    // a pull request also gets a Check Run on its head commit (issues keep only the comment; App mode only)
    if (source.isPullRequest && this.deps.client.canCreateCheckRuns)
      await this.checks.sync(run, target, issue);
    if (outcome !== "unchanged")
      this.deps.log.debug({ runId, phase: run.phase, outcome }, "GitHub comment synced");
    return outcome;
  }

  /**
   * Attempts of one run share one comment: a retried attempt whose retry took the comment over no
   * longer writes it (it would overwrite the newer attempt's state).
   */
  private async handedOn(run: RunRecord): Promise<boolean> {
    const commentId = run.links.githubCommentId;
    if (!run.retriedBy || commentId === undefined) return false;
    const retry = await this.deps.runStore.get(run.retriedBy);
    return retry?.links.githubCommentId === commentId;
  }

  /**
   * A retry (automatic, or asked for with `/orchestrator retry`) edits the comment of the attempt it
   * retries instead of posting another one.
   */
  private async inheritComment(run: RunRecord): Promise<RunRecord> {
    const previousId = run.request.retryOf;
    if (run.links.githubCommentId !== undefined || !previousId) return run;
    const previous = await this.deps.runStore.get(previousId);
    const commentId = previous?.links.githubCommentId;
    const source = run.request.source;
    const before = previous?.request.source;
    if (commentId === undefined || source.type !== "github" || before?.type !== "github") return run;
    if (before.repository !== source.repository || before.number !== source.number) return run;
    return this.deps.runStore.update(run.id, (r) =>
      r.links.githubCommentId === undefined ? { ...r, links: { ...r.links, githubCommentId: commentId } } : r,
    );
  }

  private async syncBody(
    run: RunRecord,
    target: GithubTarget,
    issue: number,
    body: string,
    digest: string,
    digestKey: string,
  ): Promise<CommentOutcome> {
    const { redis, client, retentionMs } = this.deps;
    const existingId = run.links.githubCommentId;
    if (existingId !== undefined) {
      if ((await redis.get(digestKey)) === digest) return "unchanged";
      await client.updateIssueComment(target, existingId, body);
      await redis.set(digestKey, digest, "PX", retentionMs);
      return "updated";
    }
    const intentKey = `${this.deps.keyPrefix}:gh-intent:${run.id}`;
    const firstTry = (await redis.set(intentKey, "1", "PX", retentionMs, "NX")) === "OK";
    let commentId: number | undefined;
    let outcome: CommentOutcome = "created";
    if (!firstTry) {
      const marker = commentMarker(run.id);
      const found = (await client.listIssueComments(target, issue, run.createdAt)).find((c) =>
        c.body?.includes(marker),
      );
      if (found) {
        commentId = found.id;
        outcome = found.body === body ? "unchanged" : "updated";
        if (outcome === "updated") await client.updateIssueComment(target, found.id, body);
      }
    }
    if (commentId === undefined) commentId = (await client.createIssueComment(target, issue, body)).id;
    const id = commentId;
    await this.deps.runStore.update(run.id, (r) => ({ ...r, links: { ...r.links, githubCommentId: id } }));
    await redis.set(digestKey, digest, "PX", retentionMs);
    return outcome;
  }
}
