import { randomUUID } from "node:crypto";
import type { RunRecord } from "@orchestrator/contracts";
import type {
  CancelRunResponse,
  ClientSource,
  CreateCodeRunBody,
  CreateDocsRunBody,
  CreateRunBody,
  CreateRunResponse,
  ListRunsQuery,
  ListRunsResponse,
  RetryRunResponse,
  RunUpdate,
} from "./api-types.js";
import { type FetchLike, HttpTransport } from "./http-transport.js";
import { OrchestratorApiError } from "./orchestrator-api-error.js";
import {
  asRunEvent,
  asRunRecord,
  cancelRunShape,
  createRunShape,
  listRunsShape,
  retryRunShape,
  runEventShape,
  runRecordShape,
} from "./response-shapes.js";
import { parseSse } from "./sse-parser.js";
import { type WaitOptions, waitForRun } from "./wait-for-run.js";

export interface OrchestratorClientOptions {
  /** API origin, e.g. `http://localhost:8080` or `https://orchestrator.example.com` */
  baseUrl: string;
  /** API token, sent as `Authorization: Bearer` */
  token?: string | undefined;
  /** @defaultValue globalThis.fetch */
  fetch?: FetchLike;
  /** @defaultValue "orchestrator-client/0.1.0" */
  userAgent?: string;
  /** `source` sent with new runs when the body does not say. @defaultValue the server's ("api") */
  source?: ClientSource;
  /** extra attempts of idempotent calls after a connection error or 502/503/504. @defaultValue 3 */
  retries?: number;
  /** first retry delay in ms, doubled per attempt (with jitter). @defaultValue 300 */
  retryDelayMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface CreateOptions extends CallOptions {
  /**
   * Makes the request safe to repeat: the server returns the first run for a key it has seen.
   * @defaultValue a fresh random key per call, so the client's own retries never create two runs
   */
  idempotencyKey?: string | undefined;
}

export interface RetryOptions extends CallOptions {
  /** retry a run that succeeded, too (the server refuses that otherwise). @defaultValue false */
  force?: boolean;
}

export interface LogsOptions extends CallOptions {
  /** keep the stream open while the run is active. @defaultValue false */
  follow?: boolean;
  /** only the last N lines */
  tailLines?: number | undefined;
}

export interface OrchestratorClient {
  readonly baseUrl: string;
  /** `POST /api/v1/runs` */
  create(body: CreateRunBody, options?: CreateOptions): Promise<CreateRunResponse>;
  createDocs(body: Omit<CreateDocsRunBody, "kind">, options?: CreateOptions): Promise<CreateRunResponse>;
  createCode(body: Omit<CreateCodeRunBody, "kind">, options?: CreateOptions): Promise<CreateRunResponse>;
  /** `GET /api/v1/runs/:id` */
  get(runId: string, options?: CallOptions): Promise<RunRecord>;
  /** `GET /api/v1/runs`, newest first */
  list(query?: ListRunsQuery, options?: CallOptions): Promise<ListRunsResponse>;
  /** `DELETE /api/v1/runs/:id` */
  cancel(runId: string, options?: CallOptions): Promise<CancelRunResponse>;
  /** `POST /api/v1/runs/:id/retry` of a finished run (asking twice yields one retry) */
  retry(runId: string, options?: RetryOptions): Promise<RetryRunResponse>;
  /** `GET /api/v1/runs/:id/logs`: the agent's output as text chunks */
  logs(runId: string, options?: LogsOptions): AsyncIterable<string>;
  /** `GET /api/v1/runs/:id/events`: a snapshot of the run, then each phase transition */
  events(runId: string, options?: CallOptions): AsyncIterable<RunUpdate>;
  /** Resolves with the run once it is Succeeded, Failed or Cancelled (SSE, falling back to polling). */
  wait(runId: string, options?: WaitOptions): Promise<RunRecord>;
}

const runPath = (runId: string) => `/api/v1/runs/${encodeURIComponent(runId)}`;

/** The typed client of the orchestrator API, used by the CLI, its MCP server and PM agents. */
export function createOrchestratorClient(options: OrchestratorClientOptions): OrchestratorClient {
  const http = new HttpTransport({
    baseUrl: options.baseUrl,
    token: options.token,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    userAgent: options.userAgent ?? "orchestrator-client/0.1.0",
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 300,
  });

  const client: OrchestratorClient = {
    baseUrl: http.baseUrl,

    async create(body, callOptions = {}) {
      const source = body.source ?? options.source;
      const answer = await http.json<unknown>({
        method: "POST",
        path: "/api/v1/runs",
        body: source ? { ...body, source } : body,
        headers: { "idempotency-key": callOptions.idempotencyKey ?? randomUUID() },
        idempotent: true,
        signal: callOptions.signal,
      });
      return createRunShape.parse(answer) as CreateRunResponse;
    },

    createDocs(body, callOptions) {
      return client.create({ ...body, kind: "docs" }, callOptions);
    },

    createCode(body, callOptions) {
      return client.create({ ...body, kind: "code" }, callOptions);
    },

    async get(runId, callOptions = {}) {
      const answer = await http.json<unknown>({
        method: "GET",
        path: runPath(runId),
        idempotent: true,
        signal: callOptions.signal,
      });
      return asRunRecord(answer);
    },

    async list(query = {}, callOptions = {}) {
      const answer = await http.json<unknown>({
        method: "GET",
        path: "/api/v1/runs",
        query: { ...query },
        idempotent: true,
        signal: callOptions.signal,
      });
      return listRunsShape.parse(answer) as unknown as ListRunsResponse;
    },

    async cancel(runId, callOptions = {}) {
      const answer = await http.json<unknown>({
        method: "DELETE",
        path: runPath(runId),
        idempotent: true,
        signal: callOptions.signal,
      });
      return cancelRunShape.parse(answer) as CancelRunResponse;
    },

    async retry(runId, callOptions = {}) {
      const answer = await http.json<unknown>({
        method: "POST",
        path: `${runPath(runId)}/retry`,
        query: { force: callOptions.force ? "true" : undefined },
        idempotent: true,
        signal: callOptions.signal,
      });
      return retryRunShape.parse(answer) as RetryRunResponse;
    },

    async *logs(runId, logOptions = {}) {
      const response = await http.send({
        method: "GET",
        path: `${runPath(runId)}/logs`,
        query: { follow: logOptions.follow ?? false, tailLines: logOptions.tailLines },
        headers: { accept: "text/plain, application/json" },
        idempotent: true,
        signal: logOptions.signal,
      });
      if (!response.body) return;
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        const text = decoder.decode(chunk, { stream: true });
        if (text) yield text;
      }
      const rest = decoder.decode();
      if (rest) yield rest;
    },

    async *events(runId, callOptions = {}) {
      const response = await http.send({
        method: "GET",
        path: `${runPath(runId)}/events`,
        headers: { accept: "text/event-stream" },
        idempotent: true,
        signal: callOptions.signal,
      });
      if (!response.body) return;
      for await (const message of parseSse(response.body)) {
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          continue;
        }
        if (message.event === "error" && isErrorBody(data)) {
          throw new OrchestratorApiError(500, data.error);
        }
        // told apart by shape, so the client does not depend on the server's event names
        if (runEventShape.safeParse(data).success) yield { type: "event", event: asRunEvent(data) };
        else if (runRecordShape.safeParse(data).success) yield { type: "run", run: asRunRecord(data) };
      }
    },

    wait(runId, waitOptions = {}) {
      return waitForRun(client, runId, waitOptions);
    },
  };
  return client;
}

function isErrorBody(value: unknown): value is { error: string } {
  return (
    typeof value === "object" && value !== null && typeof (value as { error?: unknown }).error === "string"
  );
}
