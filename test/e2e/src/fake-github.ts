import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  edits: number;
}

/**
 * A local stand-in for the GitHub REST API's issue-comment endpoints. It records every request and
 * keeps comments in memory, so tests can assert what a user would see on the issue.
 */
export interface FakeGithub {
  url: string;
  requests: RecordedRequest[];
  comments: FakeComment[];
  commentsOn(repository: string, issue: number): FakeComment[];
  close(): Promise<void>;
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const requests: RecordedRequest[] = [];
  const comments: FakeComment[] = [];
  let nextId = 1000;
  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      authorization: req.headers.authorization,
      body,
    });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const create = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const edit = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (create && req.method === "POST") {
      const comment = {
        id: nextId++,
        repository: create[1]!,
        issue: Number(create[2]),
        body: String((body as { body?: string })?.body ?? ""),
        edits: 0,
      };
      comments.push(comment);
      return send(201, {
        id: comment.id,
        body: comment.body,
        html_url: `https://github.com/${comment.repository}/issues/${comment.issue}#issuecomment-${comment.id}`,
      });
    }
    if (create && req.method === "GET") {
      const list = comments.filter((c) => c.repository === create[1] && c.issue === Number(create[2]));
      return send(
        200,
        list.map((c) => ({ id: c.id, body: c.body, user: { login: "orchestrator[bot]" } })),
      );
    }
    if (edit && req.method === "PATCH") {
      const comment = comments.find((c) => c.id === Number(edit[2]));
      if (!comment) return send(404, { message: "Not Found" });
      comment.body = String((body as { body?: string })?.body ?? comment.body);
      comment.edits += 1;
      return send(200, { id: comment.id, body: comment.body });
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    comments,
    commentsOn: (repository, issue) =>
      comments.filter((c) => c.repository === repository && c.issue === issue),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}
