import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, notFound } from "./api-error.js";
import { sendText, startStream } from "./http-io.js";
import { getPath, k8sTimeNano } from "./json-utils.js";
import type { Kubelet } from "./kubelet.js";
import type { ContainerLog } from "./pod-logs.js";
import { findContainerStatus, podContainers } from "./pod-status.js";
import { queryBool } from "./query-params.js";
import type { SimContext } from "./sim-context.js";
import type { JsonObject } from "./types.js";

interface LogQuery {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number | undefined;
  limitBytes?: number | undefined;
  sinceSeconds?: number | undefined;
}

function parseQuery(q: URLSearchParams): LogQuery {
  const int = (name: string) => {
    const raw = q.get(name);
    if (raw === null || raw === "") return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw badRequest(`${name}: Invalid value: "${raw}": must be a non-negative integer`);
    return n;
  };
  return {
    container: q.get("container"),
    follow: queryBool(q, "follow") ?? false,
    previous: queryBool(q, "previous") ?? false,
    timestamps: queryBool(q, "timestamps") ?? false,
    tailLines: int("tailLines"),
    limitBytes: int("limitBytes"),
    sinceSeconds: int("sinceSeconds"),
  };
}

function waitingReason(status: JsonObject, container: string): string {
  const reason = getPath(findContainerStatus(status, container), "state", "waiting", "reason");
  if (reason === "ErrImagePull" || reason === "ImagePullBackOff") return "trying and failing to pull image";
  return typeof reason === "string" ? reason : "ContainerCreating";
}

/**
 * GET pods/{name}/log: text/plain, with container selection rules and errors as the API server sends
 * them; follow=true streams new lines until the container exits or the pod is deleted.
 */
export function serveLogs(
  ctx: SimContext,
  kubelet: Kubelet,
  req: IncomingMessage,
  res: ServerResponse,
  ns: string,
  name: string,
  q: URLSearchParams,
): void {
  const opts = parseQuery(q);
  const pod = ctx.store.get("pods", ns, name);
  if (!pod) throw notFound({ group: "", resource: "pods" }, name);
  const names = podContainers(pod).map((c) => c.name);
  let container = opts.container;
  if (!container) {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`,
      );
    }
    container = names[0] ?? "";
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const uid = pod.metadata.uid ?? "";
  const log: ContainerLog | undefined = opts.previous
    ? kubelet.logs.previous(uid, container)
    : kubelet.logs.current(uid, container);
  if (!log) {
    if (opts.previous)
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const status = (pod["status"] ?? {}) as JsonObject;
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ${waitingReason(status, container)}`,
    );
  }

  const since = opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : 0;
  const render = (l: { timeMs: number; text: string }) =>
    `${opts.timestamps ? `${k8sTimeNano(l.timeMs)} ` : ""}${l.text}\n`;
  let lines = log.lines.filter((l) => l.timeMs >= since);
  if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  const take = (text: string): string => {
    if (budget <= 0) return "";
    const buf = Buffer.from(text);
    const out = buf.length > budget ? buf.subarray(0, budget).toString("utf8") : text;
    budget -= buf.length;
    return out;
  };
  const initial = take(lines.map(render).join(""));

  if (!opts.follow) {
    sendText(res, 200, initial);
    return;
  }
  startStream(res, "text/plain");
  if (initial) res.write(initial);
  let sent = log.lines.length;
  const finish = () => {
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const unsubscribe = log.subscribe(() => {
    while (sent < log.lines.length) {
      const line = log.lines[sent++];
      if (line) {
        const chunk = take(render(line));
        if (chunk) res.write(chunk);
      }
    }
    if (log.finished || budget <= 0) finish();
  });
  if (log.finished || budget <= 0) finish();
  req.on("close", unsubscribe);
}
