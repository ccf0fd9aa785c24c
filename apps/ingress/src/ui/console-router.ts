import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Request, type Response, Router } from "express";
import { HttpError } from "../errors/http-error.js";
import type { IngressContext } from "../ingress-context.js";
import { apiRunLogsRouter } from "../routes/api-run-logs.js";
import { findRun } from "../routes/api-runs.js";
import { retryRun } from "../runs/run-retrier.js";
import { ConsoleAuth, checkSameOrigin, consoleUser, requireCsrf, requireOperator } from "./console-auth.js";
import { html, page } from "./html.js";
import { QueueInspector, queuesPage } from "./queues-page.js";
import { liveRun, runPage } from "./run-page.js";
import { loadRunsPage, runRows, runsPage, runsQuerySchema } from "./runs-page.js";

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

/** next to this module when run from source, `dist/console-assets` in a bundle (copied by `npm run build`) */
const HERE = dirname(fileURLToPath(import.meta.url));
const ASSETS_DIR = [join(HERE, "assets"), join(HERE, "console-assets")].find((dir) =>
  existsSync(join(dir, "console.js")),
);
if (!ASSETS_DIR) throw new Error(`console assets not found next to ${HERE}: run npm run build`);
const asset = (file: string, type: string) => ({ type, body: readFileSync(join(ASSETS_DIR, file), "utf8") });
const ASSETS: Record<string, { type: string; body: string }> = {
  "console.js": asset("console.js", "text/javascript; charset=utf-8"),
  "console.css": asset("console.css", "text/css; charset=utf-8"),
};

export interface Console {
  router: Router;
  close(): Promise<void>;
}

/**
 * The operator console under `/ui`: server-rendered pages over the same run store, canceller and
 * retry logic as the API, one small script for live updates. Sign-in with an API token (operator) or
 * a VIEWER_TOKENS token (read-only), kept in an HttpOnly, Secure, SameSite=Strict cookie.
 */
export function createConsole(ctx: IngressContext): Console {
  const auth = new ConsoleAuth(ctx.config.API_TOKENS, ctx.config.VIEWER_TOKENS);
  const queues = new QueueInspector(ctx.redis, ctx.config.QUEUE_PREFIX);
  const logs = apiRunLogsRouter(ctx);
  const form = express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 20 });
  const router = Router();

  router.use((_req, res, next) => {
    res.set({
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cache-control": "no-store",
    });
    next();
  });
  router.get("/assets/:file", (req, res) => {
    const asset = ASSETS[req.params.file];
    if (!asset) throw new HttpError(404, "no such asset");
    res.type(asset.type).send(asset.body);
  });
  router.get("/login", (req, res) => sendLogin(res, String(req.query["next"] ?? "")));
  router.post("/login", form, (req, res) => {
    checkSameOrigin(req);
    const body = req.body as Record<string, unknown>;
    const token = typeof body["token"] === "string" ? body["token"].trim() : "";
    const next = typeof body["next"] === "string" ? body["next"] : "";
    if (!auth.identify(token)) {
      sendLogin(res.status(401), next, "That token is not valid.");
      return;
    }
    auth.setSession(res, token);
    res.redirect(303, /^\/ui\/[^/\\]/.test(next) ? next : "/ui/runs");
  });

  router.use(auth.requireSession());
  const send = (req: Request, res: Response, title: string, body: ReturnType<typeof html>) =>
    res.type("html").send(page({ title, user: consoleUser(req), body }));

  router.post("/logout", form, requireCsrf, (_req, res) => {
    auth.clearSession(res);
    res.redirect(303, "/ui/login");
  });
  router.get(["/", ""], (_req, res) => res.redirect(303, "/ui/runs"));
  router.get("/runs", async (req, res) => {
    const query = parseQuery(req);
    send(req, res, "Runs", runsPage(query, await loadRunsPage(ctx.runStore, query), ctx.now()));
  });
  router.get("/runs/rows", async (req, res) => {
    const query = parseQuery(req);
    res.type("html").send(runRows((await loadRunsPage(ctx.runStore, query)).runs, ctx.now()).value);
  });
  router.get("/events", async (req, res) => {
    // every run's transitions, for the live runs list and run page (they re-read what changed)
    const stop = await ctx.events.watchAll((event) =>
      res.write(`event: run-event\ndata: ${JSON.stringify({ runId: event.runId, phase: event.phase })}\n\n`),
    );
    const heartbeat = setInterval(() => res.write(": ping\n\n"), 15_000);
    heartbeat.unref();
    req.on("close", () => {
      stop();
      clearInterval(heartbeat);
    });
    res.status(200).set({ "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" });
    res.flushHeaders();
    res.write(": connected\n\n");
  });
  router.get("/runs/:id", async (req, res) => {
    const run = await findRun(ctx, req.params.id);
    const notice = typeof req.query["notice"] === "string" ? req.query["notice"].slice(0, 200) : undefined;
    const files = await queues.renderedFiles(run.id);
    send(req, res, `Run ${run.id}`, runPage(run, consoleUser(req), ctx.now(), files, notice));
  });
  router.get("/runs/:id/summary", async (req, res) => {
    res.type("html").send(liveRun(await findRun(ctx, req.params.id), consoleUser(req), ctx.now()).value);
  });
  router.get("/runs/:id/logs", (req, res, next) => {
    // the API's log route, so the console follows logs exactly as `GET /api/v1/runs/:id/logs` does
    req.url = `/api/v1/runs/${encodeURIComponent(req.params.id)}/logs?follow=true&tailLines=2000`;
    logs(req, res, next);
  });
  router.post("/runs/:id/cancel", form, requireCsrf, requireOperator, async (req, res) => {
    const run = await findRun(ctx, String(req.params["id"]));
    await ctx.canceller.cancel(run, `cancelled by ${consoleUser(req).name} via the console`);
    res.redirect(
      303,
      `/ui/runs/${encodeURIComponent(run.id)}?notice=${encodeURIComponent("Cancel requested.")}`,
    );
  });
  router.post("/runs/:id/retry", form, requireCsrf, requireOperator, async (req, res) => {
    const run = await findRun(ctx, String(req.params["id"]));
    const force = (req.body as Record<string, unknown>)["force"] === "true";
    const result = await retryRun(ctx, run, consoleUser(req).name, force);
    const notice =
      result.outcome === "created" ? `Retry of ${run.id}.` : `Already running as ${result.run.id}.`;
    res.redirect(303, `/ui/runs/${encodeURIComponent(result.run.id)}?notice=${encodeURIComponent(notice)}`);
  });
  router.get("/queues", async (req, res) => {
    send(req, res, "Queues", queuesPage(await queues.snapshot()));
  });

  // errors of pages are pages (inside the console); fetches and streams keep the API's JSON errors
  router.use((err: unknown, req: Request, res: Response, next: (err: unknown) => void) => {
    if (
      !(err instanceof HttpError) ||
      res.headersSent ||
      req.get("x-console") ||
      req.accepts(["json", "html"]) !== "html"
    ) {
      next(err);
      return;
    }
    const user = tryUser(req);
    res
      .status(err.status)
      .type("html")
      .send(
        page({
          title: `Error ${err.status}`,
          user,
          body: html`<h1>${err.status === 404 ? "Not found" : `Error ${err.status}`}</h1>
<p role="alert">${err.message}</p><p><a href="/ui/runs">Back to the runs</a></p>`,
        }),
      );
  });

  return { router, close: () => queues.close() };
}

function tryUser(req: Request) {
  try {
    return consoleUser(req);
  } catch {
    return undefined;
  }
}

function parseQuery(req: Request) {
  const parsed = runsQuerySchema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(400, `invalid filter: ${parsed.error.issues[0]?.path.join(".")}`);
  return parsed.data;
}

function sendLogin(res: Response, next: string, error?: string): void {
  res.type("html").send(
    page({
      title: "Sign in",
      body: html`<h1>Sign in</h1>
<form method="post" action="/ui/login" class="login">
  ${error ? html`<p class="error" role="alert" id="login-error">${error}</p>` : ""}
  <input type="hidden" name="next" value="${next}">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required
    ${error ? html`aria-describedby="login-error" aria-invalid="true"` : ""}>
  <button type="submit">Sign in</button>
  <p class="note">Use an API token (operators) or a viewer token (read-only).</p>
</form>`,
    }),
  );
}
