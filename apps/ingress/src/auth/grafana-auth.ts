import { createHmac } from "node:crypto";
import type { Request } from "express";
import { HttpError } from "../errors/http-error.js";
import { safeEqual } from "./constant-time.js";

export interface GrafanaAuthOptions {
  /** GRAFANA_WEBHOOK_TOKEN */
  token: string | undefined;
  /** GRAFANA_BASIC_AUTH */
  basic: { user: string; password: string } | undefined;
  /** GRAFANA_HMAC_SECRET */
  hmacSecret: string | undefined;
  /** GRAFANA_HMAC_MAX_AGE in ms; 0 = timestamp not required */
  hmacMaxAgeMs: number;
  /** GRAFANA_HMAC_TIMESTAMP_HEADER */
  timestampHeader: string;
  now: () => Date;
}

export const GRAFANA_SIGNATURE_HEADER = "X-Grafana-Alerting-Signature";

/**
 * Authenticates a Grafana or Alertmanager notification. Any configured method may pass (Alertmanager
 * cannot sign, Grafana can), but a signature that is present must be valid: a forged or replayed
 * signature is never rescued by another credential.
 * @throws HttpError 401 saying what is missing or wrong
 */
export function authenticateGrafana(req: Request, rawBody: Buffer, options: GrafanaAuthOptions): void {
  if (!options.token && !options.basic && !options.hmacSecret) {
    throw new HttpError(
      401,
      "no Grafana webhook authentication configured: set GRAFANA_WEBHOOK_TOKEN, GRAFANA_BASIC_AUTH or GRAFANA_HMAC_SECRET",
    );
  }
  const signature = req.get(GRAFANA_SIGNATURE_HEADER);
  if (options.hmacSecret && signature !== undefined) {
    verifyHmac(req, rawBody, signature, options.hmacSecret, options);
    return;
  }
  const authorization = req.get("authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer && options.token && safeEqual(bearer[1]!, options.token)) return;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (basic && options.basic) {
    const expected = `${options.basic.user}:${options.basic.password}`;
    if (safeEqual(Buffer.from(basic[1]!, "base64").toString("utf8"), expected)) return;
  }
  if (authorization) throw new HttpError(401, "invalid Grafana webhook credentials");
  throw new HttpError(
    401,
    options.hmacSecret && !options.token && !options.basic
      ? `missing ${GRAFANA_SIGNATURE_HEADER} header`
      : "missing credentials: send Authorization (Bearer or Basic) or a Grafana HMAC signature",
  );
}

function verifyHmac(
  req: Request,
  rawBody: Buffer,
  signature: string,
  secret: string,
  options: GrafanaAuthOptions,
): void {
  const timestamp = req.get(options.timestampHeader);
  if (options.hmacMaxAgeMs > 0) {
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
      throw new HttpError(
        401,
        `missing or invalid ${options.timestampHeader} header (required by GRAFANA_HMAC_MAX_AGE)`,
      );
    }
    const ageMs = Math.abs(options.now().getTime() - Number(timestamp) * 1000);
    if (ageMs > options.hmacMaxAgeMs) throw new HttpError(401, "signature timestamp is too old (replay?)");
  }
  // Grafana signs `timestamp:body` when it sends a timestamp, the bare body otherwise
  const hmac = createHmac("sha256", secret);
  if (timestamp) hmac.update(`${timestamp}:`);
  const expected = hmac.update(rawBody).digest("hex");
  if (!safeEqual(signature.trim(), expected))
    throw new HttpError(401, `${GRAFANA_SIGNATURE_HEADER} does not match the body`);
}
