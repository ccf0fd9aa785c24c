import type { RunRecord } from "@orchestrator/contracts";

export interface LogStreamOptions {
  /** keep streaming until the run ends or the caller goes away */
  follow: boolean;
  /** only the last N lines of what exists so far */
  tailLines?: number;
  /** aborted when the HTTP client disconnects */
  signal: AbortSignal;
}

/**
 * Reads a run's logs (pod logs on Kubernetes, a file for the local runtime). Injected into ingress
 * by the composition root; ingress itself never talks to Kubernetes.
 */
export interface LogReader {
  stream(run: RunRecord, options: LogStreamOptions): AsyncIterable<string | Uint8Array>;
}
