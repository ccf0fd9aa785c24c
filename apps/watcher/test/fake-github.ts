import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface FakeGithub {
  /** API base URL (with the `/api/v3` prefix when started as GitHub Enterprise) */
  url: string;
  requests: RecordedRequest[];
  comments: Map<number, FakeComment>;
  /** answer the next `count` requests with `status` (and headers) instead of handling them */
  failNext(status: number, count?: number, headers?: Record<string, string>): void;
  /** the installation token the App endpoints issue */
  installationToken: string;
  stop(): Promise<void>;
}

/**
 * A small stand-in for the GitHub REST API: issue comments (create, edit, list with `since`) and the
 * GitHub App installation endpoints. It records every request so tests can assert what was sent.
 */
export async function startFakeGithub(options: { prefix?: string } = {}): Promise<FakeGithub> {
  const prefix = options.prefix ?? "";
  const requests: RecordedRequest[] = [];
  const comments = new Map<number, FakeComment>();
  const faults: { status: number; headers: Record<string, string> }[] = [];
  let nextId = 1000;
  const installationToken = "ghs_fakeinstallationtoken";

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    requests.push({ method: req.method ?? "GET", path, query: url.searchParams, headers: req.headers, body });
    const fault = faults.shift();
    if (fault) return send(res, fault.status, { message: "injected failure" }, fault.headers);
    if (!req.headers.authorization?.startsWith("Bearer "))
      return send(res, 401, { message: "Requires authentication" });
    const now = new Date().toISOString();
    let m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (m && req.method === "POST") {
      const comment: FakeComment = {
        id: nextId++,
        repository: m[1]!,
        issue: Number(m[2]),
        body: (body as { body: string }).body,
        created_at: now,
        updated_at: now,
      };
      comments.set(comment.id, comment);
      return send(res, 201, comment);
    }
    if (m && req.method === "GET") {
      const since = url.searchParams.get("since");
      const list = [...comments.values()].filter(
        (c) => c.repository === m![1] && c.issue === Number(m![2]) && (!since || c.updated_at >= since),
      );
      return send(res, 200, list);
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(path);
    if (m && req.method === "PATCH") {
      const comment = comments.get(Number(m[2]));
      if (!comment) return send(res, 404, { message: "Not Found" });
      comment.body = (body as { body: string }).body;
      comment.updated_at = now;
      return send(res, 200, comment);
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/installation$/.exec(path);
    if (m && req.method === "GET") return send(res, 200, { id: 4242 });
    m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (m && req.method === "POST") {
      return send(res, 201, {
        token: installationToken,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      });
    }
    send(res, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    comments,
    installationToken,
    failNext(status, count = 1, headers = {}) {
      for (let i = 0; i < count; i++) faults.push({ status, headers });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
