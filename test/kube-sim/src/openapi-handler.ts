import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";
import { sendJson } from "./http-io.js";
import { openapiV2, openapiV3GroupVersion, openapiV3Index } from "./openapi-docs.js";
import type { ResourceRegistry } from "./resource-registry.js";

/** Serves /openapi/v2 and /openapi/v3[/…]; returns false for any other path. */
export function serveOpenApi(
  registry: ResourceRegistry,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (path === "/openapi/v2" || path === "/openapi/v2/") {
    // The real server also speaks protobuf here; kube-sim has JSON only and says so (kubectl falls back).
    const accept = req.headers.accept ?? "*/*";
    if (!/application\/json|\*\/\*/.test(accept)) {
      throw new ApiError({
        message: `the server does not serve ${accept} for /openapi/v2 (kube-sim serves application/json)`,
        reason: "NotAcceptable",
        code: 406,
      });
    }
    sendJson(res, 200, openapiV2(registry));
    return true;
  }
  if (path === "/openapi/v3" || path === "/openapi/v3/") {
    sendJson(res, 200, openapiV3Index(registry));
    return true;
  }
  const m = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
  if (!m) return false;
  const group = m[2] ?? "";
  const version = m[1] ?? m[3] ?? "";
  const doc = openapiV3GroupVersion(registry, group, version);
  if (!doc) return false;
  sendJson(res, 200, doc);
  return true;
}
