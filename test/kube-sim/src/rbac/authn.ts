/**
 * Authentication: bearer tokens minted by the simulator (one admin token in system:masters, one per
 * ServiceAccount), anonymous requests as system:anonymous, and impersonation headers
 * (Impersonate-User/-Group/-Uid/-Extra-*), each checked with the `impersonate` verb as the API server does.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { badRequest } from "../api-error.js";
import type { Store } from "../store.js";
import { KEYS } from "./resolver.js";
import {
  ANONYMOUS,
  type Attributes,
  MASTERS_GROUP,
  SA_PREFIX,
  serviceAccountGroups,
  serviceAccountUsername,
  type UserInfo,
  unauthorizedError,
} from "./types.js";

export const ADMIN_USER: UserInfo = {
  name: "kube-sim-admin",
  groups: [MASTERS_GROUP, "system:authenticated"],
};

interface SaToken {
  namespace: string;
  name: string;
  uid: string;
}

export class Authenticator {
  readonly adminToken = `sim-admin.${randomBytes(24).toString("base64url")}`;
  private readonly saTokens = new Map<string, SaToken>();

  constructor(private readonly store: Store) {}

  /** A token for an existing ServiceAccount; it stops working when the ServiceAccount is deleted. */
  mintServiceAccountToken(namespace: string, name: string): string {
    const sa = this.store.get(KEYS.serviceAccounts, namespace, name);
    if (!sa) {
      throw new Error(
        `serviceaccount "${namespace}/${name}" does not exist: load it with rbacManifests or create it first`,
      );
    }
    const token = `sim-sa.${randomBytes(24).toString("base64url")}`;
    this.saTokens.set(token, { namespace, name, uid: sa.metadata.uid ?? "" });
    return token;
  }

  /** The sender of a request, before impersonation; throws 401 for a bad credential. */
  authenticate(req: IncomingMessage): UserInfo {
    // Like the bearer-token authenticator: no header, another scheme or an empty token is "not
    // authenticated" (then anonymous); a token nobody issued is an error (401).
    const m = /^Bearer\s+(\S*)\s*$/i.exec(req.headers.authorization ?? "");
    const token = m?.[1] ?? "";
    if (token === "") return ANONYMOUS;
    if (token === this.adminToken) return ADMIN_USER;
    const sa = this.saTokens.get(token);
    if (!sa) throw unauthorizedError();
    const current = this.store.get(KEYS.serviceAccounts, sa.namespace, sa.name);
    if (!current || current.metadata.uid !== sa.uid) throw unauthorizedError();
    return {
      name: serviceAccountUsername(sa.namespace, sa.name),
      uid: sa.uid,
      groups: serviceAccountGroups(sa.namespace),
    };
  }
}

const headerValues = (req: IncomingMessage, name: string): string[] => {
  const raw = req.headers[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : raw.split(",")).map((v) => v.trim()).filter((v) => v !== "");
};

const impersonateAttrs = (apiGroup: string, resource: string, name: string, namespace = ""): Attributes => ({
  verb: "impersonate",
  resourceRequest: true,
  apiGroup,
  resource,
  subresource: "",
  namespace,
  name,
  path: "",
});

/**
 * The identity a request acts as after impersonation, and the checks that must pass for it
 * (impersonation filter: users/groups/serviceaccounts in "", uids and userextras in authentication.k8s.io).
 */
export function impersonation(req: IncomingMessage): { user: UserInfo; checks: Attributes[] } | undefined {
  const [userName, ...more] = headerValues(req, "impersonate-user");
  const groups = headerValues(req, "impersonate-group");
  const uid = headerValues(req, "impersonate-uid")[0];
  const extraHeaders = Object.keys(req.headers).filter((h) => h.startsWith("impersonate-extra-"));
  if (userName === undefined) {
    if (groups.length > 0 || uid !== undefined || extraHeaders.length > 0) {
      throw badRequest("requested impersonation of groups, uid or extra without impersonating a user");
    }
    return undefined;
  }
  if (more.length > 0) throw badRequest("only one Impersonate-User header is allowed");
  const checks: Attributes[] = [];
  let impliedGroups: string[] = [];
  if (userName.startsWith(SA_PREFIX)) {
    const [ns = "", name = ""] = userName.slice(SA_PREFIX.length).split(":");
    checks.push(impersonateAttrs("", "serviceaccounts", name, ns));
    if (groups.length === 0) impliedGroups = serviceAccountGroups(ns).slice(0, 2);
  } else {
    checks.push(impersonateAttrs("", "users", userName));
  }
  for (const g of groups) checks.push(impersonateAttrs("", "groups", g));
  if (uid !== undefined) checks.push(impersonateAttrs("authentication.k8s.io", "uids", uid));
  const extra: Record<string, string[]> = {};
  for (const h of extraHeaders) {
    const key = decodeURIComponent(h.slice("impersonate-extra-".length));
    extra[key] = headerValues(req, h);
    for (const v of extra[key])
      checks.push({ ...impersonateAttrs("authentication.k8s.io", "userextras", v), subresource: key });
  }
  const all = [...groups, ...impliedGroups];
  if (userName === ANONYMOUS.name) all.push("system:unauthenticated");
  else if (!all.includes("system:authenticated")) all.push("system:authenticated");
  return {
    user: { name: userName, uid, groups: all, ...(extraHeaders.length ? { extra } : {}) },
    checks,
  };
}
