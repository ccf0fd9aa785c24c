import { QUEUES, type QueueName, redactSecrets } from "@orchestrator/contracts";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { html, type SafeHtml } from "./html.js";

const STATES = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
  "completed",
  "failed",
] as const;
const FAILED_SHOWN = 20;

export interface QueueSnapshot {
  name: QueueName;
  counts: Record<string, number>;
  failed: { id: string; name: string; runId: string | undefined; reason: string; at: string | undefined }[];
}

/**
 * Read-only views of every BullMQ queue over the ingress's Redis client: depth by state and the
 * newest failed jobs with their reasons (job payloads are never shown).
 */
export class QueueInspector {
  private readonly queues: Queue[];

  constructor(redis: Redis, prefix: string) {
    this.queues = Object.values(QUEUES).map((name) => {
      const queue = new Queue(name, { connection: redis, prefix });
      // connection errors are the Redis client's to log (once per 5 s); without a listener BullMQ
      // prints every failed reconnect to stderr
      queue.on("error", () => {});
      return queue;
    });
  }

  async snapshot(): Promise<QueueSnapshot[]> {
    return Promise.all(
      this.queues.map(async (queue) => {
        const [counts, failed] = await Promise.all([
          queue.getJobCounts(...STATES),
          queue.getFailed(0, FAILED_SHOWN - 1),
        ]);
        return {
          name: queue.name as QueueName,
          counts,
          failed: failed.map((job) => ({
            id: job.id ?? "",
            name: job.name,
            runId: typeof job.data?.runId === "string" ? job.data.runId : undefined,
            reason: job.failedReason ?? "",
            at: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
          })),
        };
      }),
    );
  }

  /**
   * The files rendered for a run, secrets redacted: the payload of its dispatch job (job id = run
   * id), kept while BullMQ keeps the job (a day after dispatch). Undefined once it is gone.
   */
  async renderedFiles(runId: string): Promise<Record<string, string> | undefined> {
    const dispatch = this.queues.find((q) => q.name === QUEUES.dispatch);
    const job = await dispatch?.getJob(runId);
    const files = job?.data?.files as Record<string, unknown> | undefined;
    if (!files || typeof files !== "object") return undefined;
    const out: Record<string, string> = {};
    for (const [name, text] of Object.entries(files))
      if (typeof text === "string") out[name] = redactSecrets(text);
    return out;
  }

  /** Does not close the shared connection. */
  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
  }
}

export function queuesPage(snapshots: readonly QueueSnapshot[]): SafeHtml {
  return html`<h1>Queues</h1>
<div class="table-wrap"><table class="queues">
<caption>Jobs by state</caption>
<thead><tr><th scope="col">Queue</th>${STATES.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
<tbody>${snapshots.map(
    (q) =>
      html`<tr data-queue="${q.name}"><th scope="row">${q.name}</th>${STATES.map(
        (s) => html`<td data-state="${s}">${q.counts[s] ?? 0}</td>`,
      )}</tr>`,
  )}</tbody></table></div>
${snapshots.map(
  (
    q,
  ) => html`<section aria-labelledby="failed-${q.name}"><h2 id="failed-${q.name}">Failed jobs: ${q.name}</h2>
  ${
    q.failed.length === 0
      ? html`<p>None.</p>`
      : html`<ul class="failed">${q.failed.map(
          (
            job,
          ) => html`<li><code>${job.id}</code> ${job.runId ? html`run <a href="/ui/runs/${encodeURIComponent(job.runId)}">${job.runId}</a>` : job.name}
          ${job.at ? html`<time datetime="${job.at}">${job.at}</time>` : ""}: <span class="reason">${job.reason}</span></li>`,
        )}</ul>`
  }</section>`,
)}`;
}
