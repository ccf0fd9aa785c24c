import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthServerOptions {
  /** resolves true when the service can do its work (e.g. Redis answers) */
  ready: () => Promise<boolean>;
  host: string;
  port: number;
}

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
      res.writeHead(status, { "content-type": type });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method not allowed" });
    if (path === "/health") return send(200, { status: "healthy" });
    if (path === "/ready") {
      options.ready().then(
        (ok) => send(ok ? 200 : 503, { status: ok ? "ready" : "not ready" }),
        () => send(503, { status: "not ready" }),
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
