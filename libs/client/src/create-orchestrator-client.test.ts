import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunPhase, RunRecord } from "@orchestrator/contracts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunUpdate } from "./api-types.js";
import { createOrchestratorClient } from "./create-orchestrator-client.js";
import { NotAnOrchestratorApiError } from "./not-an-orchestrator-api-error.js";
import { OrchestratorApiError } from "./orchestrator-api-error.js";
import { OrchestratorConnectionError } from "./orchestrator-connection-error.js";
import { OrchestratorTimeoutError } from "./orchestrator-timeout-error.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, 500, { error: "no handler" });
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function record(phase: RunPhase, extra: Partial<RunRecord> = {}): RunRecord {
  const at = new Date(0).toISOString();
  return {
    id: "run-abc",
    kind: "docs",
    phase,
    request: {
      kind: "docs",
      idempotencyKey: "k",
      source: { type: "cli" },
      repositoryUrl: "git@github.com:acme/trader.git",
      workingDirectory: ".",
      model: "claude-opus-4-20250514",
      githubUser: "octocat",
      sourceBranch: "main",
    },
    createdAt: at,
    updatedAt: at,
    timeline: [{ phase: "Queued", at, reason: "accepted" }],
    links: {},
    attempt: 1,
    ...extra,
  };
}

const client = () =>
  createOrchestratorClient({
    baseUrl,
    token: "t0ken",
    userAgent: "orchestrator-cli/9.9.9",
    source: "cli",
    retryDelayMs: 5,
  });

describe("createOrchestratorClient", () => {
  it("creates a run with the token, user agent, source and an idempotency key", async () => {
    handler = (_req, res) =>
      json(res, 202, { runId: "run-abc", statusUrl: "/api/v1/runs/run-abc", phase: "Queued" });
    const answer = await client().createDocs({
      repositoryUrl: "git@github.com:acme/trader.git",
      sourceBranch: "main",
      githubUser: "octocat",
      model: "opus",
    });
    expect(answer).toEqual({ runId: "run-abc", statusUrl: "/api/v1/runs/run-abc", phase: "Queued" });
    const request = seen[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/api/v1/runs");
    expect(request.headers.authorization).toBe("Bearer t0ken");
    expect(request.headers["user-agent"]).toBe("orchestrator-cli/9.9.9");
    expect(request.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request.body)).toEqual({
      kind: "docs",
      repositoryUrl: "git@github.com:acme/trader.git",
      sourceBranch: "main",
      githubUser: "octocat",
      model: "opus",
      source: "cli",
    });
  });

  it("retries a create through a 503 with the same idempotency key", async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls === 1) json(res, 503, { error: "Redis is unavailable" });
      else json(res, 202, { runId: "run-abc", statusUrl: "/x", phase: "Queued" });
    };
    await client().createCode({
      taskId: 1,
      service: "trader",
      repositoryUrl: "git@github.com:a/b.git",
      githubUser: "u",
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers["idempotency-key"]).toBe(seen[1]!.headers["idempotency-key"]);
  });

  it("reports the server's reason and every bad field of a 400", async () => {
    handler = (_req, res) =>
      json(res, 400, {
        error: "invalid request",
        details: [{ path: "service", message: "must match ^[a-z0-9-]{1,63}$" }],
      });
    const error = await client()
      .createCode({ taskId: 1, service: "Bad!", repositoryUrl: "git@github.com:a/b.git", githubUser: "u" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestratorApiError);
    expect(error).toMatchObject({
      status: 400,
      message: "invalid request",
      details: [{ path: "service", message: "must match ^[a-z0-9-]{1,63}$" }],
    });
    expect(seen).toHaveLength(1);
  });

  it("says the URL is not an orchestrator API in one line instead of returning another server's page", async () => {
    const page = `<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body>${"x".repeat(2000)}</body></html>`;
    handler = (_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end(page);
    };
    const error = await client()
      .get("run-abc")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAnOrchestratorApiError);
    expect(error).toBeInstanceOf(OrchestratorApiError);
    expect((error as NotAnOrchestratorApiError).status).toBe(404);
    expect((error as Error).message).toBe(
      `${baseUrl} does not look like an orchestrator API (HTTP 404); check --api-url or ORCHESTRATOR_API_URL`,
    );
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page);
    };
    const ok = await client()
      .list()
      .catch((e: unknown) => e);
    expect((ok as Error).message).toBe(
      `${baseUrl} does not look like an orchestrator API (HTTP 200); check --api-url or ORCHESTRATOR_API_URL`,
    );
  });

  it("names the URL and the way to change it when nothing listens", async () => {
    const closed = createOrchestratorClient({
      baseUrl: "http://127.0.0.1:1/api/v1/",
      retries: 1,
      retryDelayMs: 1,
    });
    const error = await closed.get("run-abc").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestratorConnectionError);
    expect((error as Error).message).toContain("http://127.0.0.1:1");
    expect((error as Error).message).toContain("--api-url");
    expect((error as Error).message).toContain("ORCHESTRATOR_API_URL");
  });

  it("lists with filters in the query string and accepts a base URL ending in /api/v1", async () => {
    handler = (_req, res) => json(res, 200, { runs: [record("Running")], nextCursor: "123" });
    const c = createOrchestratorClient({ baseUrl: `${baseUrl}/api/v1` });
    const page = await c.list({ phase: "Running", kind: "docs", limit: 5 });
    expect(seen[0]!.url).toBe("/api/v1/runs?phase=Running&kind=docs&limit=5");
    expect(page.runs[0]!.id).toBe("run-abc");
    expect(page.nextCursor).toBe("123");
  });

  it("cancels, retries and streams logs", async () => {
    handler = (req, res) => {
      if (req.method === "DELETE")
        json(res, 202, { runId: "run-abc", phase: "Running", cancelRequested: true });
      else if (req.url?.endsWith("/retry"))
        json(res, 202, { runId: "run-def", statusUrl: "/x", phase: "Queued", retryOf: "run-abc" });
      else {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("line 1\n");
        setTimeout(() => res.end("line 2\n"), 10);
      }
    };
    const c = client();
    expect(await c.cancel("run-abc")).toEqual({ runId: "run-abc", phase: "Running", cancelRequested: true });
    expect((await c.retry("run-abc")).retryOf).toBe("run-abc");
    let text = "";
    for await (const chunk of c.logs("run-abc", { follow: true, tailLines: 10 })) text += chunk;
    expect(text).toBe("line 1\nline 2\n");
    expect(seen[2]!.url).toBe("/api/v1/runs/run-abc/logs?follow=true&tailLines=10");
  });

  it("waits over SSE and returns the final record with its result", async () => {
    handler = (req, res) => {
      if (req.url?.endsWith("/events")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(`data: ${JSON.stringify(record("Running"))}\n\n`);
        res.write(": ping\n\n");
        const event = {
          runId: "run-abc",
          kind: "docs",
          phase: "Succeeded",
          previousPhase: "Running",
          at: "x",
          reason: "done",
        };
        setTimeout(() => res.write(`event: phase\ndata: ${JSON.stringify(event)}\n\n`), 20);
        return;
      }
      json(
        res,
        200,
        record("Succeeded", {
          result: { outcome: "succeeded", pullRequestUrl: "https://github.com/a/b/pull/1" },
        }),
      );
    };
    const updates: RunUpdate[] = [];
    const run = await client().wait("run-abc", { onEvent: (u) => updates.push(u) });
    expect(run.phase).toBe("Succeeded");
    expect(run.result?.pullRequestUrl).toBe("https://github.com/a/b/pull/1");
    expect(updates.map((u) => (u.type === "run" ? `run:${u.run.phase}` : `event:${u.event.phase}`))).toEqual([
      "run:Running",
      "event:Succeeded",
    ]);
  });

  it("falls back to polling when the server has no event stream", async () => {
    let gets = 0;
    handler = (req, res) => {
      if (req.url?.endsWith("/events")) return json(res, 404, { error: "not found" });
      gets++;
      json(res, 200, record(gets < 3 ? "Running" : "Failed"));
    };
    const run = await client().wait("run-abc", { pollIntervalMs: 5 });
    expect(run.phase).toBe("Failed");
    expect(gets).toBe(3);
  });

  it("gives up after timeoutMs with the last phase seen", async () => {
    handler = (req, res) => {
      if (req.url?.endsWith("/events")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(`data: ${JSON.stringify(record("Pending"))}\n\n`);
        return;
      }
      json(res, 200, record("Pending"));
    };
    const error = await client()
      .wait("run-abc", { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestratorTimeoutError);
    expect((error as OrchestratorTimeoutError).lastSeen?.phase).toBe("Pending");
  });
});
