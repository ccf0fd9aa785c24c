import type { RunRecord, RunRequest } from "@orchestrator/contracts";
import type { Logger } from "@orchestrator/observability";
import { PolicyRefusedError, type RunPolicy, requestBodyHash } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import {
  type CreateRunResult,
  InvalidRunRequestError,
  RunNotFoundError,
  type RunStore,
} from "@orchestrator/run-store";
import { HttpError, ServiceUnavailableError } from "../errors/http-error.js";
import { RunNotQueuedError } from "../errors/run-not-queued-error.js";
import type { IngressMetrics } from "../metrics.js";
import type { IssueIndex } from "./issue-index.js";
import { withTimeout } from "./with-timeout.js";

export interface SubmitInput {
  request: RunRequest;
  singleFlightKey?: string;
  attempt?: number;
  /** first timeline entry */
  reason?: string;
  /** GitHub issue/PR the run belongs to, for `/orchestrator retry|cancel` */
  issue?: { fullName: string; number: number };
  /** `request` is runRequestSchema's output, unchanged: the run store need not parse it again */
  validated?: boolean;
}

export interface SubmitterDeps {
  runStore: RunStore;
  /** the trust-boundary policy every request passes before it is recorded */
  policy: RunPolicy;
  renderQueue: TypedQueue<"render">;
  issueIndex: IssueIndex;
  metrics: IngressMetrics;
  log: Logger;
  redisAvailable: () => boolean;
  /** what would stop the run from starting on this runtime (local tools, credentials); problems → 422 */
  preflight?: ((request: RunRequest) => Promise<string[]>) | undefined;
  /** @defaultValue 5000 */
  queueTimeoutMs?: number;
}

/**
 * The one way a run enters the system: record it (idempotent, single-flight), then put it on the
 * render queue. A 2xx is only answered after both, so a run that was acknowledged is in Redis.
 * If the process dies between the two steps, the sender's retry finds the record still Queued and
 * adds the render job again (same job id, so a no-op when the job is there).
 */
export class RunSubmitter {
  constructor(private readonly deps: SubmitterDeps) {}

  async submit(input: SubmitInput): Promise<CreateRunResult> {
    const { runStore, log } = this.deps;
    // every source (API, PM aliases, CLI, MCP, GitHub, Grafana) passes here; refused → nothing stored
    this.deps.policy.check(input.request);
    if (!this.deps.redisAvailable()) throw new ServiceUnavailableError();
    await this.preflight(input.request);
    let result: CreateRunResult;
    try {
      result = await withTimeout(
        runStore.create({
          request: input.request,
          ...(input.validated ? { validated: true } : {}),
          ...(input.singleFlightKey ? { singleFlightKey: input.singleFlightKey } : {}),
          // webhook keys are per delivery: a redelivery answered "active" must stay answered that way
          bindToActive: input.request.source.type === "github" || input.request.source.type === "grafana",
          ...(input.attempt ? { attempt: input.attempt } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          // the issue's latest run is recorded with the run itself (one round trip, atomic)
          ...(input.issue
            ? {
                pointer: {
                  key: this.deps.issueIndex.key(input.issue.fullName, input.issue.number),
                  ttlMs: this.deps.issueIndex.ttlMs,
                },
              }
            : {}),
        }),
        this.deps.queueTimeoutMs ?? 5000,
        "recording the run",
      );
    } catch (err) {
      if (err instanceof InvalidRunRequestError) throw new HttpError(422, err.message);
      if (err instanceof RunNotFoundError) {
        throw new HttpError(
          409,
          "this idempotency key belongs to a run that no longer exists; use a new key",
        );
      }
      throw new ServiceUnavailableError(undefined, { cause: err });
    }
    const { run } = result;
    this.refuseReusedKey(input.request, result);
    if (result.outcome === "created" || neverLeftQueue(run)) await this.enqueue(run);
    if (result.outcome === "created") {
      this.deps.metrics.runsAccepted.inc({ kind: run.kind, source: run.request.source.type });
      log.info({ runId: run.id, kind: run.kind, source: run.request.source.type }, "run accepted");
    } else {
      log.info({ runId: run.id, outcome: result.outcome }, "request matched an existing run");
    }
    return result;
  }

  /** Refuses (422) a run the runtime already knows it cannot start, naming what fixes each problem. */
  private async preflight(request: RunRequest): Promise<void> {
    const problems = (await this.deps.preflight?.(request)) ?? [];
    if (problems.length === 0) return;
    throw new HttpError(
      422,
      `the run cannot start on this machine: ${problems.join("; ")}`,
      problems.map((message) => ({ path: "preflight", message })),
    );
  }

  /** An API Idempotency-Key sent again with a different body: 422 (the first run is not returned). */
  private refuseReusedKey(request: RunRequest, result: CreateRunResult): void {
    const source = request.source.type;
    if (result.outcome !== "duplicate" || (source !== "api" && source !== "cli")) return;
    if (requestBodyHash(result.run.request) === requestBodyHash(request)) return;
    this.deps.policy.count(source, "idempotency_reuse");
    throw new PolicyRefusedError(
      422,
      "idempotency_reuse",
      "Idempotency-Key",
      "idempotency-key",
      `Idempotency-Key was already used for run ${result.run.id} with a different body; use a new key for a different request`,
    );
  }

  /** Adds the render job; BullMQ ignores a second add with the same job id. */
  async enqueue(run: RunRecord): Promise<void> {
    try {
      await withTimeout(
        this.deps.renderQueue.add("render", { runId: run.id }, { jobId: run.id }),
        this.deps.queueTimeoutMs ?? 5000,
        "adding the render job",
      );
    } catch (err) {
      this.deps.log.warn(
        { runId: run.id, err: { message: (err as Error).message } },
        "could not enqueue the run",
      );
      throw new RunNotQueuedError(run.id, { cause: err });
    }
  }
}

/** A run that was recorded but never picked up: its render job may be missing. */
function neverLeftQueue(run: RunRecord): boolean {
  return run.phase === "Queued" && run.timeline.length === 1;
}
