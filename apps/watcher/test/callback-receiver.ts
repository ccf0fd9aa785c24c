import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** An HTTP endpoint that answers with the scripted statuses in turn (then 200) and records every call. */
export async function startCallbackReceiver(statuses: number[] = []) {
  const received: ReceivedCallback[] = [];
  const script = [...statuses];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const status = script.shift() ?? 200;
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), status });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/runs`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
