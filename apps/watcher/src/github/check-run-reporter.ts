import { createHash } from "node:crypto";
import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import type { Redis } from "ioredis";
import { renderRunComment } from "./comment-body.js";
import type { CheckRunBody, GithubClient, GithubTarget } from "./github-client.js";

/** The `requested_action` identifier of the Re-run button (the ingress retries the run on it). */
export const RERUN_ACTION = "rerun";

export interface CheckRunReporterDeps {
  redis: Redis;
  keyPrefix: string;
  client: GithubClient;
  publicUrl?: string | undefined;
  retentionMs: number;
}

/** What the check run of a run shows now: a pure function of the run record. */
export function renderCheckRun(run: RunRecord, publicUrl: string | undefined): CheckRunBody {
  const base = publicUrl?.replace(/\/+$/, "");
  const body: CheckRunBody = {
    name: `orchestrator ${run.request.kind}`,
    status: run.phase === "Running" ? "in_progress" : isTerminalPhase(run.phase) ? "completed" : "queued",
    ...(base ? { details_url: `${base}/api/v1/runs/${run.id}` } : {}),
    output: {
      title: `${run.phase}${run.message ? `: ${run.message}` : ""}`.slice(0, 200),
      summary: renderRunComment(run, { publicUrl }),
    },
  };
  if (run.phase === "Succeeded") body.conclusion = "success";
  if (run.phase === "Failed") body.conclusion = "failure";
  if (run.phase === "Cancelled") body.conclusion = "cancelled";
  if (run.phase === "Failed" || run.phase === "Cancelled") {
    body.actions = [{ label: "Re-run", description: "Retry this run", identifier: RERUN_ACTION }];
  }
  return body;
}

/**
 * One Check Run per run asked from a pull request, on the pull request's head commit, moved through
 * queued → in_progress → completed with the run. The check run id and the digest of what was last sent
 * are kept in Redis; a create is preceded by an intent record, so a create whose id was lost in a crash
 * is found again by its `external_id` (the run id) instead of creating a second check run.
 */
export class CheckRunReporter {
  constructor(private readonly deps: CheckRunReporterDeps) {}

  async sync(
    run: RunRecord,
    target: GithubTarget,
    pull: number,
  ): Promise<"created" | "updated" | "unchanged"> {
    const { redis, client, keyPrefix, retentionMs } = this.deps;
    const body = renderCheckRun(run, this.deps.publicUrl);
    const digest = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    const key = `${keyPrefix}:gh-check:${run.id}`;
    const stored = await redis.get(key);
    const known = stored ? (JSON.parse(stored) as { id: number; sha: string; digest: string }) : undefined;
    if (known) {
      if (known.digest === digest) return "unchanged";
      await client.updateCheckRun(target, known.id, body);
      await redis.set(key, JSON.stringify({ ...known, digest }), "PX", retentionMs);
      return "updated";
    }
    const shaKey = `${keyPrefix}:gh-check-sha:${run.id}`;
    let sha = await redis.get(shaKey);
    if (!sha) {
      sha = await client.pullRequestHeadSha(target, pull);
      await redis.set(shaKey, sha, "PX", retentionMs);
    }
    const intentKey = `${keyPrefix}:gh-check-intent:${run.id}`;
    const firstTry = (await redis.set(intentKey, "1", "PX", retentionMs, "NX")) === "OK";
    const found = firstTry ? undefined : await client.findCheckRun(target, sha, body.name, run.id);
    if (found) await client.updateCheckRun(target, found.id, body);
    const id =
      found?.id ?? (await client.createCheckRun(target, { ...body, head_sha: sha, external_id: run.id })).id;
    await redis.set(key, JSON.stringify({ id, sha, digest }), "PX", retentionMs);
    return found ? "updated" : "created";
  }
}
