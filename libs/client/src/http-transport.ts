import { backoffMs, parseRetryAfter, sleep } from "@orchestrator/contracts";
import { NotAnOrchestratorApiError } from "./not-an-orchestrator-api-error.js";
import { type ApiErrorDetail, OrchestratorApiError } from "./orchestrator-api-error.js";
import { OrchestratorConnectionError } from "./orchestrator-connection-error.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** API origin, e.g. `http://localhost:8080` (a trailing `/api/v1` is accepted and dropped) */
  baseUrl: string;
  token?: string | undefined;
  fetch: FetchLike;
  userAgent: string;
  /** extra attempts for idempotent calls after a connection error or a 502/503/504 */
  retries: number;
  /** first backoff delay, doubled per attempt (with jitter, up to 30 s) */
  retryDelayMs: number;
}

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  /** path below the API origin, starting with `/api/v1/` */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** safe to send twice (GET, DELETE, POST with an Idempotency-Key): retried on transient failures */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
}

const TRANSIENT_STATUSES = new Set([502, 503, 504]);

/** Removes trailing slashes and an `/api/v1` suffix, so both `http://host` and `http://host/api/v1` work. */
export function normaliseBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, "");
  if (u.endsWith("/api/v1")) u = u.slice(0, -"/api/v1".length);
  return u;
}

/** fetch with auth, JSON, error mapping and retries; every API call goes through here. */
export class HttpTransport {
  readonly baseUrl: string;
  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
  }

  url(path: string, query: HttpRequest["query"] = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  /** Sends the request and returns a 2xx response (body unread); anything else throws a typed error. */
  async send(request: HttpRequest): Promise<Response> {
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = {
      "user-agent": this.options.userAgent,
      accept: "application/json",
      ...request.headers,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (request.body !== undefined) headers["content-type"] = "application/json";
    const attempts = request.idempotent ? this.options.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: request.method,
          headers,
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } catch (err) {
        if (request.signal?.aborted) throw request.signal.reason ?? err;
        if (attempt < attempts) {
          await delay(this.backoff(attempt), request.signal);
          continue;
        }
        throw new OrchestratorConnectionError(this.baseUrl, { cause: err });
      }
      if (response.ok) return response;
      if (TRANSIENT_STATUSES.has(response.status) && attempt < attempts) {
        await response.body?.cancel().catch(() => {});
        // capped: a CLI user waits at the terminal, and the caller retries only a few times anyway
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"), 10_000);
        await delay(retryAfter ?? this.backoff(attempt), request.signal);
        continue;
      }
      throw await toApiError(response, this.baseUrl);
    }
  }

  async json<T>(request: HttpRequest): Promise<T> {
    const response = await this.send(request);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new NotAnOrchestratorApiError(this.baseUrl, response.status, { cause: err });
    }
  }

  private backoff(attempt: number): number {
    return backoffMs(attempt, this.options.retryDelayMs, 30_000);
  }
}

/**
 * Turns an error answer into an {@link OrchestratorApiError} carrying the server's reason. The API always
 * answers errors in JSON; any other body (an HTML page, plain text) means `baseUrl` is some other server,
 * reported as a {@link NotAnOrchestratorApiError} rather than by dumping the page.
 */
export async function toApiError(response: Response, baseUrl: string): Promise<OrchestratorApiError> {
  const text = await response.text().catch(() => "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return new NotAnOrchestratorApiError(baseUrl, response.status, { cause: err });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return new NotAnOrchestratorApiError(baseUrl, response.status);
  }
  const body = parsed as { error?: unknown; message?: unknown; details?: unknown };
  let message = `${response.status} ${response.statusText}`.trim();
  if (typeof body.error === "string") message = body.error;
  else if (typeof body.message === "string") message = body.message;
  let details: ApiErrorDetail[] = [];
  if (Array.isArray(body.details)) {
    details = body.details.flatMap((d: unknown) => {
      if (typeof d !== "object" || d === null) return [];
      const { path, message: m } = d as { path?: unknown; message?: unknown };
      return typeof m === "string"
        ? [{ path: Array.isArray(path) ? path.join(".") : String(path ?? ""), message: m }]
        : [];
    });
  }
  return new OrchestratorApiError(response.status, message, details);
}

/** Waits `ms`; rejects with the abort reason when `signal` aborts first. */
export async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await sleep(ms, signal);
  signal?.throwIfAborted();
}
