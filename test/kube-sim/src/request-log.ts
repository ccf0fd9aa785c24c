import type { RequestInfo } from "./request-info.js";

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  verb: string;
  group: string;
  version: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  statusCode: number;
  /** Time until the status line was sent (streams stay open longer). */
  durationMs: number;
  /** Set when a fault rule shaped the answer. */
  fault?: string;
}

/** Bounded log of API requests (admin endpoints are not logged). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(info: RequestInfo, statusCode: number, startedAt: number, fault?: string): void {
    const entry: RequestLogEntry = {
      time: new Date(startedAt).toISOString(),
      method: info.method,
      path: info.path,
      query: Object.fromEntries(info.query.entries()),
      verb: info.verb,
      group: info.group,
      version: info.version,
      statusCode,
      durationMs: Date.now() - startedAt,
    };
    if (info.resource) entry.resource = info.resource;
    if (info.subresource) entry.subresource = info.subresource;
    if (info.namespace) entry.namespace = info.namespace;
    if (info.name) entry.name = info.name;
    if (fault) entry.fault = fault;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  snapshot(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e, query: { ...e.query } }));
  }

  clear(): void {
    this.entries = [];
  }
}
