import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeRoute, type FakeState, fakeRoutes } from "./fake-github-routes.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type {
  FakeCheckRun,
  FakeComment,
  FakeDelivery,
  FakeIssue,
  FakePull,
} from "./fake-github-routes.js";

export interface FakeGithub extends FakeState {
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
    mintDelayMs: options.mintDelayMs ?? 0,
  };
  const routes: FakeRoute[] = fakeRoutes(state);

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
