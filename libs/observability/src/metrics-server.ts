import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on its own port (METRICS_PORT), apart from the public HTTP server and the probes,
 * so a NetworkPolicy and the Service layout decide who may scrape it. Every other path is 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(405, JSON.stringify({ error: "method not allowed" }));
    if (path !== "/metrics") return send(404, JSON.stringify({ error: "not found" }));
    options.registry.metrics().then(
      (text) => send(200, text, options.registry.contentType),
      () => send(500, JSON.stringify({ error: "metrics unavailable" })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: Error) =>
      reject(
        new Error(
          `cannot serve /metrics on ${options.host}:${options.port} (METRICS_HOST/METRICS_PORT): ${err.message}`,
        ),
      ),
    );
    server.listen(options.port, options.host, () => {
      server.removeAllListeners("error");
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
