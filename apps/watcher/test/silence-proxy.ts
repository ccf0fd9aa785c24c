import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of the API simulator that can go silent the way a broken load balancer does:
 * `silence()` keeps every connection open at that moment but stops passing bytes either way, so a
 * watch stream neither ends nor errors; connections made afterwards work normally.
 */
export async function startSilenceProxy(upstreamPort: number) {
  const frozen = new WeakSet<Socket>();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    open.add(client);
    client.on("data", (d) => {
      if (!frozen.has(client)) upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      if (!frozen.has(client)) client.write(d);
    });
    const close = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    client.on("error", close);
    upstream.on("close", () => {
      if (!frozen.has(client)) close();
    });
    upstream.on("error", () => {
      if (!frozen.has(client)) close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** freezes every open connection (kept open, nothing passes); returns how many */
    silence(): number {
      for (const socket of open) frozen.add(socket);
      return open.size;
    },
    async stop(): Promise<void> {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
