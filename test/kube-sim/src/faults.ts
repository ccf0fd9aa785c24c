import { z } from "zod";
import { ApiError, conflict, internalError, STALE_OBJECT_MESSAGE } from "./api-error.js";
import type { RequestInfo } from "./request-info.js";
import { SeededRandom } from "./seeded-random.js";

const stringOrList = z.union([z.string(), z.array(z.string())]);

export const faultMatchSchema = z
  .object({
    verb: stringOrList.optional(),
    resource: stringOrList.optional(),
    group: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    subresource: z.string().optional(),
  })
  .strict();

/** A fault rule; JSON-compatible so the admin endpoint accepts the same shape. */
export const faultRuleSchema = z
  .object({
    id: z.string().optional(),
    match: faultMatchSchema.optional(),
    /** Probability the rule fires for a matching request (default 1); drawn from the seeded generator. */
    rate: z.number().min(0).max(1).optional(),
    /** Fire this many times, then the rule removes itself. */
    times: z.number().int().positive().optional(),
    /** Answer with this HTTP status (and a matching Status body) instead of serving the request. */
    status: z.number().int().min(400).max(599).optional(),
    message: z.string().optional(),
    /** Retry-After header (seconds); defaults to 1 for 429. */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    /** Delay before the request is served or failed. */
    latencyMs: z.number().nonnegative().optional(),
  })
  .strict();

export type FaultMatch = z.infer<typeof faultMatchSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema>;

export interface FaultDecision {
  latencyMs: number;
  error?: ApiError;
  note?: string;
}

export interface FaultHooks {
  dropWatches(abrupt: boolean): number;
  refuseConnections(ms: number): Promise<void>;
}

function listMatches(want: string | string[] | undefined, actual: string | undefined): boolean {
  if (want === undefined) return true;
  return (Array.isArray(want) ? want : [want]).includes(actual ?? "");
}

function matches(match: FaultMatch | undefined, info: RequestInfo): boolean {
  if (!match) return true;
  return (
    listMatches(match.verb, info.verb) &&
    listMatches(match.resource, info.resource) &&
    (match.group === undefined || match.group === info.group) &&
    (match.namespace === undefined || match.namespace === info.namespace) &&
    (match.name === undefined || match.name === info.name) &&
    (match.subresource === undefined || match.subresource === info.subresource)
  );
}

function errorFor(rule: FaultRule, info: RequestInfo): ApiError {
  const status = rule.status ?? 500;
  const retry = rule.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retry !== undefined ? { "Retry-After": String(retry) } : {};
  const details = retry !== undefined ? { retryAfterSeconds: retry } : undefined;
  switch (status) {
    case 409:
      return conflict(
        { group: info.group, resource: info.resource ?? "" },
        info.name ?? "",
        rule.message ?? STALE_OBJECT_MESSAGE,
      );
    case 429:
      return new ApiError(
        {
          message: rule.message ?? "Too many requests, please try again later.",
          reason: "TooManyRequests",
          code: 429,
          ...(details ? { details } : {}),
        },
        headers,
      );
    case 500: {
      const err = internalError(rule.message ?? "kube-sim injected fault");
      return new ApiError({ ...err.status }, headers);
    }
    case 503:
      return new ApiError(
        {
          message: rule.message ?? "The server is currently unable to handle the request",
          reason: "ServiceUnavailable",
          code: 503,
          ...(details ? { details } : {}),
        },
        headers,
      );
    case 504:
      return new ApiError({
        message:
          rule.message ??
          "The server was unable to return a response in the time allotted, but may still be processing the request",
        reason: "Timeout",
        code: 504,
      });
    default:
      return new ApiError(
        { message: rule.message ?? `kube-sim injected ${status}`, reason: "Unknown", code: status },
        headers,
      );
  }
}

/**
 * Fault injection: errors (any 4xx/5xx with a real Status body, Retry-After for 429/503), latency, for
 * the next N matching requests or at a seeded random rate; plus dropping watches and refusing
 * connections for a while.
 */
export class Faults {
  private rules: (FaultRule & { id: string })[] = [];
  private nextId = 1;
  private readonly random: SeededRandom;

  constructor(
    seed: number | undefined,
    private readonly hooks: FaultHooks,
  ) {
    this.random = new SeededRandom(seed);
  }

  add(rule: FaultRule): string {
    const parsed = faultRuleSchema.parse(rule);
    const id = parsed.id ?? `fault-${this.nextId++}`;
    this.rules.push({ ...parsed, id });
    return id;
  }

  /** The next `times` matching requests fail with `status` (default 500). */
  failNext(times: number, status = 500, match?: FaultMatch): string {
    return this.add({ times, status, ...(match ? { match } : {}) });
  }

  /** Matching requests fail with probability `rate`. */
  errorRate(rate: number, status = 500, match?: FaultMatch): string {
    return this.add({ rate, status, ...(match ? { match } : {}) });
  }

  latency(latencyMs: number, match?: FaultMatch): string {
    return this.add({ latencyMs, ...(match ? { match } : {}) });
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Ends every open watch now: gracefully (clean end of stream) or abruptly (socket reset). */
  dropWatches(opts: { abrupt?: boolean } = {}): number {
    return this.hooks.dropWatches(opts.abrupt ?? false);
  }

  /** Stops listening for `ms` (new connections get ECONNREFUSED), then listens again on the same port. */
  refuseConnections(ms: number): Promise<void> {
    return this.hooks.refuseConnections(ms);
  }

  /** Decides what happens to one request. */
  evaluate(info: RequestInfo): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of [...this.rules]) {
      if (!matches(rule.match, info)) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.random.next() >= rule.rate) continue;
      if (rule.latencyMs) decision.latencyMs = Math.max(decision.latencyMs, rule.latencyMs);
      if (rule.status !== undefined && !decision.error) {
        decision.error = errorFor(rule, info);
        decision.note = `${rule.id}:${rule.status}`;
      } else if (rule.status === undefined && rule.latencyMs) {
        decision.note ??= `${rule.id}:latency`;
      } else {
        continue;
      }
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) this.remove(rule.id);
      }
    }
    return decision;
  }
}
