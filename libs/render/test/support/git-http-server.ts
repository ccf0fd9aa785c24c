import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** One request as the server saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  host: string;
  /** the `Authorization` header, if git sent one */
  authorization: string | null;
  /** user and password of a Basic authorization */
  credentials: { user: string; password: string } | null;
}

export interface GitHttpServer {
  /** `https://localhost:<port>` or `http://localhost:<port>` */
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export interface GitHttpServerOptions {
  /** directory whose bare repositories are served (`GIT_PROJECT_ROOT`) */
  projectRoot: string;
  /** serve TLS with this key and certificate (PEM files); plain HTTP without */
  tls?: { key: string; cert: string };
  /** answer every request with a redirect to this origin (same path) */
  redirectTo?: string;
}

/** A self-signed certificate for `localhost` and `127.0.0.1`, written to `dir` with openssl. */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, "server.key");
  const cert = join(dir, "server.crt");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
    ],
    { stdio: "ignore" },
  );
  return { key, cert };
}

function basicCredentials(header: string | null): ReceivedRequest["credentials"] {
  const match = header ? /^Basic (.+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const at = decoded.indexOf(":");
  return { user: decoded.slice(0, at), password: decoded.slice(at + 1) };
}

/**
 * git's smart HTTP protocol through the real `git http-backend` (CGI), behind a server that records what it
 * receives and asks for Basic credentials (401) until a request carries some, as GitHub does.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: ReceivedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://placeholder");
    const authorization = req.headers.authorization ?? null;
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      host: req.headers.host ?? "",
      authorization,
      credentials: basicCredentials(authorization),
    });
    if (options.redirectTo) {
      res.writeHead(302, { Location: `${options.redirectTo}${req.url ?? "/"}` }).end();
      return;
    }
    if (!authorization) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("credentials required\n");
      return;
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        REMOTE_USER: "git-user",
        REMOTE_ADDR: "127.0.0.1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
  };
  const server = options.tls
    ? createHttpsServer({ key: readFileSync(options.tls.key), cert: readFileSync(options.tls.cert) }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${options.tls ? "https" : "http"}://localhost:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
