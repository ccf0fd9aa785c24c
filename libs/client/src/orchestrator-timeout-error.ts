import type { RunRecord } from "@orchestrator/contracts";

/** `wait` gave up before the run reached a final phase; the run itself goes on. */
export class OrchestratorTimeoutError extends Error {
  override readonly name = "OrchestratorTimeoutError";
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
    /** the last state seen, if any */
    readonly lastSeen?: RunRecord,
  ) {
    super(
      `run ${runId} did not finish within ${Math.round(timeoutMs / 1000)}s` +
        (lastSeen ? ` (last phase: ${lastSeen.phase})` : ""),
    );
  }
}
