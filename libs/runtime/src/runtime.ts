import type { RenderedFiles, RunLinks, RunRecord, RunRequest } from "@orchestrator/contracts";

export type RuntimeKind = "kubernetes" | "local";

export interface DispatchResult {
  /** where the run now lives (namespace, CR, ConfigMap, Job, or the local run directory) */
  links: Partial<RunLinks>;
}

export interface LogOptions {
  /** keep streaming until the run ends or `signal` aborts */
  follow: boolean;
  /** start with only the last N lines */
  tailLines?: number | undefined;
  /** stops a follow (the iterator then ends) */
  signal?: AbortSignal | undefined;
}

/**
 * What the runtime itself says about a run's agent, independent of what the run store recorded:
 * `absent` (nothing was created, or it was removed), `running` (exists, not finished), or finished.
 */
export type AgentState =
  | { state: "absent" }
  | { state: "running"; links: Partial<RunLinks> }
  | { state: "succeeded"; links: Partial<RunLinks>; finishedAt?: string }
  | { state: "failed"; links: Partial<RunLinks>; reason: string; finishedAt?: string };

/** A finished agent (its Job) the runtime keeps until the dispatcher removes it. */
export interface FinishedAgent {
  runId: string;
  namespace: string;
  name: string;
  /** ISO time it ended */
  finishedAt: string;
  /** deletes it (and what it owns); removing a removed one is a no-op */
  remove(): Promise<void>;
}

/**
 * Where agent runs execute. The dispatcher makes runs real through it, ingress streams their logs
 * and the watcher follows them; `kubernetes` and `local` behave the same from the outside.
 */
export interface Runtime {
  readonly kind: RuntimeKind;
  /**
   * Creates whatever carries out the run (Kubernetes objects, or a local process) and returns links
   * to it. Idempotent: calling it again for the same run finds what an earlier call created and
   * creates nothing twice.
   * @throws PermanentDispatchError when the run cannot be dispatched (missing secret, rejected object);
   * any other error is transient and the call may be repeated
   */
  dispatch(run: RunRecord, files: RenderedFiles): Promise<DispatchResult>;
  /**
   * Looks the run's agent up by its deterministic name (Job / run directory): the truth to check
   * before giving up on a dispatch, so an agent that exists or finished is adopted, never re-created.
   */
  inspect(run: Pick<RunRecord, "id" | "kind" | "request" | "links">): Promise<AgentState>;
  /**
   * Finished agents still kept (Kubernetes: Jobs without a TTL), for the dispatcher to remove once
   * their runs are final. Absent when the runtime keeps nothing to clean up.
   */
  finishedAgents?(): Promise<FinishedAgent[]>;
  /**
   * GitHub App mode: replaces the installation tokens of these (active) runs that are about to expire
   * (they live one hour). Returns how many were refreshed. Absent when tokens never need refreshing.
   */
  refreshGithubTokens?(runs: RunRecord[]): Promise<number>;
  /** Stops a dispatched run (deletes the Job / signals the process). Stopping a stopped run is a no-op. */
  cancel(run: RunRecord): Promise<void>;
  /**
   * The agent's output.
   * @throws LogsUnavailableError when there is nothing to read (yet)
   */
  logs(run: RunRecord, options: LogOptions): AsyncIterable<string | Uint8Array>;
  /**
   * What would make `request` fail on this runtime before it starts (missing tools or credentials),
   * each naming its fix; empty when it can start. Ingress answers 422 with these.
   */
  preflight?(request: RunRequest): Promise<string[]>;
}

/** The shape ingress's log endpoint consumes. */
export interface LogReader {
  stream(run: RunRecord, options: LogOptions): AsyncIterable<string | Uint8Array>;
}

/** Adapts a runtime to ingress's {@link LogReader}. */
export function logReaderFor(runtime: Pick<Runtime, "logs">): LogReader {
  return { stream: (run, options) => runtime.logs(run, options) };
}
