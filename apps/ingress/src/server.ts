import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";

export interface RunningServer {
  readonly port: number;
  readonly server: Server;
  /** Stops accepting connections, ends idle ones and waits for the rest (SSE streams are cut). */
  close(): Promise<void>;
}

/** Listens on host:port; rejects with the listen error (EADDRINUSE …) instead of crashing. */
export function listen(app: Express, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    // a slow client must not hold a socket forever; webhook senders give up after 10-30 s anyway
    server.requestTimeout = 60_000;
    server.headersTimeout = 30_000;
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // long-lived streams (SSE, followed logs) would otherwise keep the server open
            setTimeout(() => server.closeAllConnections(), 5000).unref();
          }),
      });
    });
  });
}
