import type { MintedRunToken, RunTokenMinter } from "@orchestrator/github";
import { PermanentDispatchError } from "./permanent-dispatch-error.js";

/**
 * GitHub App mode (recommended): per-run installation tokens. The minter is `@orchestrator/github`'s;
 * the runtime only needs its shape.
 */
export type { MintedRunToken, RunTokenMinter } from "@orchestrator/github";

/** Mints a run's token; a permanent refusal (App not installed …) fails the run, anything else is retried. */
export async function mintRunToken(
  minter: RunTokenMinter,
  repositories: readonly string[],
): Promise<MintedRunToken> {
  try {
    return await minter.mint(repositories);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if ((err as { permanent?: unknown }).permanent === true)
      throw new PermanentDispatchError("rejected", message, { cause: err });
    throw new Error(message, { cause: err });
  }
}
