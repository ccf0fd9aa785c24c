import type { RunPhase } from "@orchestrator/contracts";

export class RunNotFoundError extends Error {
  override readonly name = "RunNotFoundError";
  constructor(readonly runId: string) {
    super(`run ${runId} not found`);
  }
}

export class InvalidTransitionError extends Error {
  override readonly name = "InvalidTransitionError";
  constructor(
    readonly runId: string,
    readonly from: RunPhase,
    readonly to: RunPhase,
  ) {
    super(`run ${runId} cannot move from ${from} to ${to}`);
  }
}

/** Another writer kept winning the compare-and-set; the caller may retry later. */
export class RunUpdateConflictError extends Error {
  override readonly name = "RunUpdateConflictError";
  constructor(readonly runId: string) {
    super(`run ${runId} is being updated concurrently; try again`);
  }
}

/** A run request that does not satisfy the contract (e.g. a retry that outgrew a field's limit). */
export class InvalidRunRequestError extends Error {
  override readonly name = "InvalidRunRequestError";
  constructor(readonly issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
    super(
      `invalid run request: ${issues
        .map((i) => `${i.path.map(String).join(".") || "(request)"}: ${i.message}`)
        .join("; ")}`,
    );
  }
}
