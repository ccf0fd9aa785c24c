/**
 * GitHub App mode (recommended): per-run installation tokens. The interface is `@orchestrator/github`'s
 * minter; the runtime only needs its shape.
 */
export type { MintedRunToken, RunTokenMinter } from "@orchestrator/github";
