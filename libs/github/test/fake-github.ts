import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type SentDelivery, sendFakeDelivery } from "./fake-github-hooks.js";
import { type FakeDelivery, type FakeRoute, type FakeState, fakeRoutes } from "./fake-github-routes.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type { FakeHook } from "./fake-github-hooks.js";
export type {
  FakeCheckRun,
  FakeComment,
  FakeDelivery,
  FakeIssue,
  FakePull,
} from "./fake-github-routes.js";

export interface FakeGithub extends FakeState {
  /**
   * Delivers a webhook to `hook` as GitHub does and records it in `deliveries` (status 0 when the
   * receiver is down); `guid` repeats an earlier delivery's X-GitHub-Delivery. Redelivery requests
   * (`POST /app/hook/deliveries/{id}/attempts`) send the recorded bytes again with the same guid.
   */
  deliver(event: string, payload: unknown, guid?: string): Promise<FakeDelivery>;
  /** API base URL (with the `/api/v3` prefix when started as GitHub Enterprise) */
  url: string;
  requests: RecordedRequest[];
  /** answer the next `count` requests (to paths containing `path`) with `status`, headers, a message */
  failNext(
    status: number,
    count?: number,
    headers?: Record<string, string>,
    message?: string,
    path?: string,
  ): void;
  stop(): Promise<void>;
}

/**
 * A small stand-in for the GitHub REST API with GitHub's response shapes: issue comments, pull requests,
 * the App installation endpoints. It records every request so tests can assert what was sent, and
 * injects failures (5xx, 403 secondary rate limits with `Retry-After`, 429) on demand.
 */
export async function startFakeGithub(
  options: { prefix?: string; mintDelayMs?: number } = {},
): Promise<FakeGithub> {
  const prefix = options.prefix ?? "";
  const requests: RecordedRequest[] = [];
  const faults: { status: number; headers: Record<string, string>; message: string; path: string }[] = [];
  const state: FakeState = {
    checkRuns: new Map(),
    deliveries: [],
    redeliveries: [],
    comments: new Map(),
    pulls: new Map(),
    issues: new Map(),
    installations: new Map(),
    installationToken: "ghs_fakeinstallationtoken",
    scopedMints: 0,
    tokenLifetimeMs: 3600_000,
    hook: undefined,
    mintDelayMs: options.mintDelayMs ?? 0,
  };
  const sent = new Map<number, SentDelivery>();
  const routes: FakeRoute[] = fakeRoutes(state, async (id) => {
    const original = sent.get(id);
    if (original) await sendFakeDelivery(state, sent, { ...original, redelivery: true });
  });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    const method = req.method ?? "GET";
    requests.push({ method, path, query: url.searchParams, headers: req.headers, body });
    const at = faults.findIndex((f) => path.includes(f.path));
    const fault = at >= 0 ? faults.splice(at, 1)[0] : undefined;
    if (fault) return send(res, fault.status, { message: fault.message }, fault.headers);
    if (!/^(bearer|token) \S+$/i.test(req.headers.authorization ?? ""))
      return send(res, 401, { message: "Requires authentication" });
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.path.exec(path);
      if (!m) continue;
      const [status, answer] = await route.handle(m, body, url.searchParams);
      return send(res, status, answer);
    }
    send(res, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    deliver: (event: string, payload: unknown, guid?: string) =>
      sendFakeDelivery(state, sent, { event, payload, ...(guid ? { guid } : {}) }),
    failNext(
      status: number,
      count = 1,
      headers: Record<string, string> = {},
      message = "injected failure",
      path = "",
    ) {
      for (let i = 0; i < count; i++) faults.push({ status, headers, message, path });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(status === 204 ? undefined : JSON.stringify(body));
}
