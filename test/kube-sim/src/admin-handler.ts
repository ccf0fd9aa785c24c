import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Faults } from "./faults.js";
import { readBody, sendJson } from "./http-io.js";
import type { Kubelet } from "./kubelet.js";
import { podOutcomeSchema } from "./pod-outcome.js";
import type { RequestLog } from "./request-log.js";
import type { SimContext } from "./sim-context.js";

export interface AdminDeps {
  ctx: SimContext;
  faults: Faults;
  kubelet: Kubelet;
  requests: RequestLog;
}

const refuseSchema = z.object({ ms: z.number().int().positive().max(60_000) }).strict();
const defaultOutcomeSchema = z.object({ outcome: podOutcomeSchema }).strict();

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  return raw.trim() === "" ? {} : JSON.parse(raw);
}

/**
 * /_sim/* endpoints so tests running the simulator as a separate process can drive it:
 * requests (GET, DELETE), faults (GET, POST, DELETE, DELETE /{id}), watches/drop (POST ?abrupt=true),
 * connections/refuse (POST {ms}), outcomes (GET, POST rule, DELETE), outcomes/default (POST), state (GET).
 */
export async function handleAdmin(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";
  try {
    if (path === "/_sim/requests") {
      if (method === "GET") return sendJson(res, 200, deps.requests.snapshot());
      if (method === "DELETE") {
        deps.requests.clear();
        return sendJson(res, 200, { cleared: true });
      }
    }
    if (path === "/_sim/faults") {
      if (method === "GET") return sendJson(res, 200, deps.faults.list());
      if (method === "POST")
        return sendJson(res, 201, { id: deps.faults.add((await jsonBody(req)) as never) });
      if (method === "DELETE") {
        deps.faults.clear();
        return sendJson(res, 200, { cleared: true });
      }
    }
    const faultId = /^\/_sim\/faults\/([^/]+)$/.exec(path)?.[1];
    if (faultId && method === "DELETE" && faultId !== "drop-watches") {
      const removed = deps.faults.remove(decodeURIComponent(faultId));
      return sendJson(res, removed ? 200 : 404, { removed });
    }
    if ((path === "/_sim/watches/drop" || path === "/_sim/faults/drop-watches") && method === "POST") {
      return sendJson(res, 200, {
        dropped: deps.faults.dropWatches({ abrupt: url.searchParams.get("abrupt") === "true" }),
      });
    }
    if (path === "/_sim/connections/refuse" && method === "POST") {
      const { ms } = refuseSchema.parse(await jsonBody(req));
      sendJson(res, 202, { refusingForMs: ms });
      // Stop listening only after the answer went out.
      res.once("finish", () => void deps.faults.refuseConnections(ms));
      return;
    }
    if (path === "/_sim/outcomes") {
      if (method === "GET") return sendJson(res, 200, deps.kubelet.outcomes.listRules());
      if (method === "POST")
        return sendJson(res, 201, { id: deps.kubelet.addOutcomeRule((await jsonBody(req)) as never) });
      if (method === "DELETE") {
        deps.kubelet.outcomes.clearRules();
        return sendJson(res, 200, { cleared: true });
      }
    }
    if (path === "/_sim/outcomes/default" && method === "POST") {
      deps.kubelet.setDefaultOutcome(defaultOutcomeSchema.parse(await jsonBody(req)).outcome);
      return sendJson(res, 200, { ok: true });
    }
    if (path === "/_sim/state" && method === "GET") {
      const counts: Record<string, number> = {};
      for (const key of deps.ctx.store.keys()) counts[key] = deps.ctx.store.list(key).length;
      return sendJson(res, 200, { resourceVersion: String(deps.ctx.store.currentRv), objects: counts });
    }
    sendJson(res, 404, { error: `unknown admin endpoint ${method} ${path}` });
  } catch (err) {
    const message =
      err instanceof z.ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
    sendJson(res, 400, { error: message });
  }
}
