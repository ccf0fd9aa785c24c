import type { IncomingMessage, ServerResponse } from "node:http";
import { methodNotAllowed, pageNotFound } from "./api-error.js";
import { createObject } from "./create-object.js";
import { deleteCollection } from "./delete-collection.js";
import { deleteObject } from "./delete-object.js";
import { discoveryDocument, SIM_VERSION } from "./discovery.js";
import { readBody, sendJson, sendText, warningHeader } from "./http-io.js";
import type { Kubelet } from "./kubelet.js";
import { listObjects, makeFilter } from "./list-objects.js";
import { serveLogs } from "./log-handler.js";
import { present, requireExisting } from "./object-io.js";
import { serveOpenApi } from "./openapi-handler.js";
import { patchObject } from "./patch-object.js";
import { queryBool } from "./query-params.js";
import type { RequestInfo } from "./request-info.js";
import { deleteOptions, dryRun, listQuery, optionalInt, parseBody } from "./request-options.js";
import type { ResourceType } from "./resource-type.js";
import type { SimContext, WriteOptions } from "./sim-context.js";
import { toTable, wantsTable } from "./table.js";
import type { KubeObject } from "./types.js";
import { updateObject } from "./update-object.js";
import type { WatchHub } from "./watch-hub.js";

export interface ApiDeps {
  ctx: SimContext;
  watches: WatchHub;
  kubelet: Kubelet;
  watchTimeoutMs: number;
  host: () => string;
}

function handleOther(deps: ApiDeps, info: RequestInfo, req: IncomingMessage, res: ServerResponse): void {
  if (info.method === "GET" && serveOpenApi(deps.ctx.registry, info.path, req, res)) return;
  if (info.path === "/version" || info.path === "/version/") sendJson(res, 200, SIM_VERSION);
  else if (["/healthz", "/livez", "/readyz"].includes(info.path)) sendText(res, 200, "ok");
  else sendText(res, 404, "404 page not found\n");
}

/** Routes one API request (resource verbs, subresources, discovery). */
export async function handleApi(
  deps: ApiDeps,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { ctx } = deps;
  if (info.type === "other") return handleOther(deps, info, req, res);
  if (info.type === "discovery") {
    if (info.method !== "GET") throw methodNotAllowed();
    const legacy = info.path.startsWith("/api") && !info.path.startsWith("/apis");
    return sendJson(res, 200, discoveryDocument(ctx.registry, info.group, info.version, legacy, deps.host()));
  }
  const rt = ctx.registry.lookup(info.group, info.version, info.resource ?? "");
  if (!rt || (!rt.namespaced && info.namespace)) throw pageNotFound();
  const sub = info.subresource;
  if (sub && !((sub === "status" && rt.statusSubresource) || (sub === "log" && rt.logSubresource)))
    throw pageNotFound();
  const ns = rt.namespaced ? info.namespace : undefined;
  const name = info.name ?? "";
  const q = info.query;
  const warnings: string[] = [];
  const opts: WriteOptions = { dryRun: dryRun(q), warnings };
  const fieldValidation = q.get("fieldValidation");
  if (fieldValidation) opts.fieldValidation = fieldValidation;
  const reply = (code: number, body: unknown) => sendJson(res, code, body, warningHeader(warnings));
  const show = (obj: KubeObject) => present(rt, info.version, obj);
  const status: "status" | undefined = sub === "status" ? "status" : undefined;

  switch (info.verb) {
    case "get":
      if (sub === "log") return serveLogs(ctx, deps.kubelet, req, res, ns ?? "", name, q);
      if (wantsTable(req.headers.accept)) {
        const obj = show(requireExisting(ctx, rt, ns, name));
        return reply(
          200,
          toTable(rt, [obj], { resourceVersion: obj.metadata.resourceVersion }, q.get("includeObject")),
        );
      }
      return reply(200, show(requireExisting(ctx, rt, ns, name)));
    case "list": {
      const list = listObjects(ctx, rt, info.version, ns, listQuery(q));
      if (!wantsTable(req.headers.accept)) return reply(200, list);
      const items = list.items.map((o) => show(o));
      return reply(200, toTable(rt, items, list.metadata as Record<string, unknown>, q.get("includeObject")));
    }
    case "watch":
      return startWatch(deps, rt, info, req, res);
    case "create": {
      if (info.name || (rt.namespaced && !ns)) throw methodNotAllowed();
      const body = parseBody(await readBody(req), req.headers["content-type"]);
      return reply(201, show(createObject(ctx, rt, info.version, ns, body, opts)));
    }
    case "update": {
      const body = parseBody(await readBody(req), req.headers["content-type"]);
      return reply(
        200,
        show(updateObject(ctx, rt, info.version, ns, name, body, { ...opts, subresource: status })),
      );
    }
    case "patch": {
      const raw = await readBody(req);
      const patchOpts = {
        ...opts,
        subresource: status,
        fieldManager: q.get("fieldManager") ?? undefined,
        force: queryBool(q, "force"),
      };
      return reply(
        200,
        show(patchObject(ctx, rt, info.version, ns, name, req.headers["content-type"], raw, patchOpts)),
      );
    }
    case "delete": {
      if (sub) throw methodNotAllowed();
      const raw = await readBody(req);
      const body = raw ? parseBody(raw, "json") : undefined;
      const delOpts = { ...opts, dryRun: dryRun(q, body) };
      const result = deleteObject(ctx, rt, ns, name, deleteOptions(q, body), delOpts);
      return reply(200, result.body.kind === "Status" ? result.body : show(result.body as KubeObject));
    }
    case "deletecollection": {
      if (sub) throw methodNotAllowed();
      const raw = await readBody(req);
      const body = raw ? parseBody(raw, "json") : undefined;
      const options = deleteOptions(q, body);
      const selectors = {
        labelSelector: q.get("labelSelector") ?? undefined,
        fieldSelector: q.get("fieldSelector") ?? undefined,
      };
      return reply(
        200,
        deleteCollection(ctx, rt, info.version, ns, selectors, options, { ...opts, dryRun: dryRun(q, body) }),
      );
    }
    default:
      throw methodNotAllowed();
  }
}

function startWatch(
  deps: ApiDeps,
  rt: ResourceType,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const q = info.query;
  let fieldSelector = q.get("fieldSelector") ?? undefined;
  // Legacy /watch/.../{name} paths watch a single object.
  if (info.name) fieldSelector = [fieldSelector, `metadata.name=${info.name}`].filter(Boolean).join(",");
  const filter = makeFilter(rt, q.get("labelSelector") ?? undefined, fieldSelector);
  const timeoutSeconds = optionalInt(q, "timeoutSeconds");
  deps.watches.start(req, res, {
    rt,
    version: info.version,
    namespace: rt.namespaced ? info.namespace : undefined,
    filter,
    resourceVersion: q.get("resourceVersion") ?? undefined,
    allowBookmarks: queryBool(q, "allowWatchBookmarks") ?? false,
    transform: wantsTable(req.headers.accept)
      ? (obj: KubeObject) =>
          toTable(rt, [obj], { resourceVersion: obj.metadata.resourceVersion }, q.get("includeObject"))
      : undefined,
    timeoutMs:
      timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : deps.watchTimeoutMs,
  });
}
