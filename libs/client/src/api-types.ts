import type {
  CodeRunRequest,
  codeRunRequestSchema,
  DocsRunRequest,
  docsRunRequestSchema,
  RunEvent,
  RunKind,
  RunPhase,
  RunRecord,
  RunSourceType,
} from "@orchestrator/contracts";
import type { z } from "zod";

/** Fields the server fills in itself (identity, provenance, retry bookkeeping) and never takes from a client body. */
type ServerOwned = "idempotencyKey" | "source" | "retryOf" | "retryCount";

/** Where a client says a request came from; the server records it with the token's name. */
export type ClientSource = "cli" | "api";

/**
 * Body of `POST /api/v1/runs` for a docs run: the RunRequest fields, with `model` and `workingDirectory`
 * optional (the server applies its defaults and resolves model aliases such as `opus`).
 */
export type CreateDocsRunBody = Omit<
  z.input<typeof docsRunRequestSchema>,
  ServerOwned | "model" | "workingDirectory"
> & {
  model?: DocsRunRequest["model"];
  workingDirectory?: DocsRunRequest["workingDirectory"];
  source?: ClientSource;
  /** accept a model id the server does not know (a model newer than its list) */
  allowUnknownModel?: boolean;
};

/** Body of `POST /api/v1/runs` for a code run; `docsRepositoryUrl` defaults to `repositoryUrl` on the server. */
export type CreateCodeRunBody = Omit<
  z.input<typeof codeRunRequestSchema>,
  ServerOwned | "model" | "workingDirectory" | "docsRepositoryUrl"
> & {
  model?: CodeRunRequest["model"];
  workingDirectory?: CodeRunRequest["workingDirectory"];
  docsRepositoryUrl?: CodeRunRequest["docsRepositoryUrl"];
  source?: ClientSource;
  /**
   * start Claude fresh: by default a code run resumes the last session of the same service and task
   * (`sessionId` picks one instead)
   */
  fresh?: boolean;
  /** accept a model id the server does not know (a model newer than its list) */
  allowUnknownModel?: boolean;
};

export type CreateRunBody = CreateDocsRunBody | CreateCodeRunBody;

/** Answer of `POST /api/v1/runs` (202 created, 200 duplicate or active). */
export interface CreateRunResponse {
  runId: string;
  /** URL of the run in the API (may be relative to the API URL) */
  statusUrl: string;
  phase: RunPhase;
  /** the idempotency key was seen before; this is the run it created */
  duplicate?: boolean;
  /** a run for the same work is already active (single flight); this is that run */
  active?: boolean;
}

/** Answer of `DELETE /api/v1/runs/:id`. */
export interface CancelRunResponse {
  runId: string;
  phase: RunPhase;
  cancelRequested: boolean;
}

/** Answer of `POST /api/v1/runs/:id/retry`. */
export interface RetryRunResponse {
  runId: string;
  statusUrl: string;
  phase: RunPhase;
  /** the run this one retries */
  retryOf: string;
}

export interface ListRunsQuery {
  phase?: RunPhase | undefined;
  kind?: RunKind | undefined;
  source?: RunSourceType | undefined;
  /** repository URL or GitHub `owner/name` */
  repository?: string | undefined;
  /** @defaultValue the server's (50) */
  limit?: number | undefined;
  /** `nextCursor` of the previous page */
  cursor?: string | undefined;
}

export interface ListRunsResponse {
  runs: RunRecord[];
  nextCursor?: string;
}

/** One message of `GET /api/v1/runs/:id/events`: first a snapshot of the run, then its phase transitions. */
export type RunUpdate = { type: "run"; run: RunRecord } | { type: "event"; event: RunEvent };
