import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** node:http server on loopback that tracks sockets so stop() and connection refusal are immediate. */
export class SimHttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private host = "127.0.0.1";
  port = 0;

  /** With `tls` (PEM key and certificate) it serves HTTPS, as kube-sim does with RBAC on. */
  constructor(
    handler: RequestHandler,
    onError: (err: unknown) => void,
    private readonly tls?: { key: string; cert: string },
  ) {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      handler(req, res).catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "text/plain" });
          res.end(String(err));
        } else res.destroy();
      });
    };
    this.server = tls ? createHttpsServer(tls, listener) : createServer(listener);
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(port: number, host: string): Promise<number> {
    this.host = host;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.port = typeof addr === "object" && addr ? addr.port : port;
    return this.port;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://${this.host}:${this.port}`;
  }

  /** Stops accepting connections for `ms` (clients see ECONNREFUSED), then listens on the same port again. */
  async refuseConnections(ms: number): Promise<void> {
    this.server.close();
    await new Promise((r) => setTimeout(r, ms));
    if (!this.closed) await this.listen(this.port, this.host);
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      if (!this.server.listening) resolve();
    });
  }
}
