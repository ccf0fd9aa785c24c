import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthServerOptions {
  /** whether the service can do its work (e.g. Redis answers), with the reason when it can't */
  ready: () => Promise<boolean | Readiness>;
  host: string;
  port: number;
}

export interface Readiness {
  ok: boolean;
  reason: string;
}

/** `Retry-After` of a 503 from /ready, seconds. */
const NOT_READY_RETRY_AFTER = "5";

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/health` (process alive) and `/ready` (dependencies reachable) for the worker-only services, which
 * have no other HTTP server. `/metrics` is on its own port (`startMetricsServer`).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: unknown, type = "application/json") => {
      res.writeHead(status, {
        "content-type": type,
        ...(status === 503 ? { "retry-after": NOT_READY_RETRY_AFTER } : {}),
      });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method not allowed" });
    if (path === "/health") return send(200, { status: "healthy" });
    if (path === "/ready") {
      options.ready().then(
        (answer) => {
          const { ok, reason } =
            typeof answer === "boolean" ? { ok: answer, reason: answer ? "ready" : "not ready" } : answer;
          send(ok ? 200 : 503, { status: ok ? "ready" : "not ready", reason });
        },
        (err: unknown) =>
          send(503, { status: "not ready", reason: `readiness check failed: ${(err as Error)?.message}` }),
      );
      return;
    }
    send(404, { error: "not found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
