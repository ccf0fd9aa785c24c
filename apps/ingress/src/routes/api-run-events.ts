import { isTerminalPhase, type RunEvent } from "@orchestrator/contracts";
import { Router } from "express";
import type { IngressContext } from "../ingress-context.js";
import { findRun } from "./api-runs.js";

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/runs/:id/events`: Server-Sent Events. First `event: run` with the current record,
 * then one `event: run-event` per transition (a RunEvent). The stream ends after a final phase.
 * Heartbeat comments keep proxies from closing an idle stream.
 */
export function apiRunEventsRouter(ctx: IngressContext): Router {
  const router = Router();
  router.get("/api/v1/runs/:id/events", async (req, res) => {
    const run = await findRun(ctx, req.params["id"]);
    // subscribe before reading the record again, so no transition falls between the two
    const pending: RunEvent[] = [];
    let ready = false;
    let ended = false;
    const send = (name: string, data: unknown) =>
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    const finish = () => {
      if (ended) return;
      ended = true;
      stop();
      clearInterval(heartbeat);
      res.end();
    };
    const onEvent = (event: RunEvent) => {
      if (ended) return;
      if (!ready) {
        pending.push(event);
        return;
      }
      send("run-event", event);
      if (isTerminalPhase(event.phase)) finish();
    };
    const stop = await ctx.events.watch(run.id, onEvent);
    const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    req.on("close", finish);
    res.status(200).set({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    const current = (await ctx.runStore.get(run.id)) ?? run;
    send("run", current);
    ready = true;
    for (const event of pending) onEvent(event);
    if (isTerminalPhase(current.phase)) finish();
  });
  return router;
}
