import type { AddressInfo } from "node:net";
import express from "express";

/** What the ceiling answers: the size of a real run answer. */
const ANSWER = {
  runId: "run-0000000000000000a",
  statusUrl: "http://127.0.0.1:1/api/v1/runs/run-0000000000000000a",
  phase: "Queued",
};

export interface BareServer {
  base: string;
  close(): Promise<void>;
}

/**
 * The ceiling of the ingress benchmark: a bare Express route on the same paths, with the same
 * framework and body reader the ingress uses (`express.raw`, the whole body into a Buffer), that
 * answers 202 with a run-answer-sized JSON body. No auth, no parsing, no Redis.
 */
export async function startBareExpress(): Promise<BareServer> {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  const raw = express.raw({ type: () => true, limit: "1mb" });
  app.post(["/api/v1/runs", "/webhooks/github"], raw, (_req, res) => {
    res.status(202).json(ANSWER);
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
