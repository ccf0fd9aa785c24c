/**
 * RBAC for the simulator (off unless `rbac: true`): authenticates each request, applies impersonation,
 * authorises it like a real API server (403 with a Status body), answers the access-review APIs, runs
 * the escalation check on Role/binding writes, and counts what each identity used.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, methodNotAllowed, notFound, pageNotFound } from "../api-error.js";
import { createObject } from "../create-object.js";
import { readBody, sendJson } from "../http-io.js";
import type { RequestInfo } from "../request-info.js";
import type { SimContext } from "../sim-context.js";
import type { KubeObject } from "../types.js";
import { updateObject } from "../update-object.js";
import { ADMIN_USER, Authenticator, impersonation } from "./authn.js";
import { authorize, requestAttributes } from "./authorizer.js";
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from "./bootstrap.js";
import { type ManifestSource, readManifests } from "./manifests.js";
import { ownerReferencesAdmission } from "./owner-references.js";
import { RuleResolver, roleRefOf, rulesOf } from "./resolver.js";
import { REVIEW_TYPES, rbacResourceTypes } from "./resources.js";
import { answerReview, REVIEW_GROUPS } from "./reviews.js";
import { compactMissing, compactRule, quotedList, uncoveredRules } from "./rules.js";
import {
  type Attributes,
  forbiddenError,
  forbiddenMessage,
  MASTERS_GROUP,
  type PolicyRule,
  parseServiceAccountRef,
  RBAC_GROUP,
  type ServiceAccountRef,
  type UserInfo,
} from "./types.js";
import { type UnusedGrant, type UsageEntry, UsageTracker } from "./usage.js";

/** Who a kubeconfig authenticates as: the admin (default), a ServiceAccount, or nobody. */
export interface CredentialOptions {
  namespace?: string;
  serviceAccount?: ServiceAccountRef;
  anonymous?: boolean;
}

const APPLY_ORDER = [
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "Role",
  "ClusterRoleBinding",
  "RoleBinding",
];

export class SimRbac {
  private readonly authn: Authenticator;
  private readonly resolver: RuleResolver;
  private readonly tracker = new UsageTracker();
  private readonly requestUser = new AsyncLocalStorage<UserInfo>();

  constructor(
    private readonly ctx: SimContext,
    readonly enabled: boolean,
  ) {
    this.authn = new Authenticator(ctx.store);
    this.resolver = new RuleResolver(ctx.store);
    if (!enabled) return;
    for (const rt of [
      ...rbacResourceTypes((kind, obj) => this.escalationCheck(kind, obj)),
      ...REVIEW_TYPES,
    ]) {
      ctx.registry.register(rt);
    }
    this.apply([...BOOTSTRAP_CLUSTER_ROLES, ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS]);
    ctx.validatingAdmission = (rt, obj, old) => {
      const user = this.requestUser.getStore();
      if (!user) return;
      ownerReferencesAdmission(ctx.registry, (a) => this.decide(user, a), rt, obj, old);
    };
  }

  private requireEnabled(): void {
    if (!this.enabled) throw new Error("kube-sim RBAC is off: start the simulator with { rbac: true }");
  }

  /** Reads manifest files/dirs/objects and applies the RBAC kinds, ServiceAccounts and Namespaces. */
  async load(sources: readonly ManifestSource[]): Promise<{ applied: string[]; skipped: string[] }> {
    this.requireEnabled();
    return this.apply(await readManifests(sources));
  }

  /** Creates (or replaces) objects as the system, in dependency order; other kinds are skipped. */
  apply(objects: readonly KubeObject[]): { applied: string[]; skipped: string[] } {
    const applied: string[] = [];
    const skipped: string[] = [];
    const sorted = [...objects].sort(
      (a, b) => APPLY_ORDER.indexOf(a.kind ?? "") - APPLY_ORDER.indexOf(b.kind ?? ""),
    );
    for (const obj of sorted) {
      const [group, version] = (obj.apiVersion ?? "").includes("/")
        ? (obj.apiVersion ?? "").split("/")
        : ["", obj.apiVersion ?? ""];
      const label = `${obj.kind}/${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata?.name}`;
      const rt = APPLY_ORDER.includes(obj.kind ?? "")
        ? this.ctx.registry.byKind(group ?? "", obj.kind ?? "")
        : undefined;
      if (!rt) {
        skipped.push(label);
        continue;
      }
      const ns = rt.namespaced ? obj.metadata.namespace || "default" : undefined;
      if (ns) this.ensureNamespace(ns);
      const existing = this.ctx.store.get(
        `${rt.plural}${rt.group ? `.${rt.group}` : ""}`,
        ns,
        obj.metadata.name ?? "",
      );
      if (existing && rt.kind === "Namespace") continue;
      if (existing) {
        const body = {
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
        };
        updateObject(this.ctx, rt, version ?? "v1", ns, obj.metadata.name ?? "", body, { internal: true });
      } else {
        createObject(this.ctx, rt, version ?? "v1", ns, structuredClone(obj), { internal: true });
      }
      applied.push(label);
    }
    return { applied, skipped };
  }

  private ensureNamespace(name: string): void {
    if (this.ctx.store.get("namespaces", undefined, name)) return;
    const rt = this.ctx.registry.byKind("", "Namespace");
    if (rt) createObject(this.ctx, rt, "v1", undefined, { metadata: { name } }, { internal: true });
  }

  /** The bearer token (undefined: anonymous) and default namespace of a kubeconfig. */
  credentials(opts: CredentialOptions = {}): { token: string | undefined; namespace: string } {
    if (!this.enabled) {
      if (opts.serviceAccount || opts.anonymous) this.requireEnabled();
      return { token: "kube-sim", namespace: opts.namespace ?? "default" };
    }
    if (opts.serviceAccount) {
      const sa = parseServiceAccountRef(opts.serviceAccount);
      return {
        token: this.authn.mintServiceAccountToken(sa.namespace, sa.name),
        namespace: opts.namespace ?? sa.namespace,
      };
    }
    if (opts.anonymous) return { token: undefined, namespace: opts.namespace ?? "default" };
    return { token: this.authn.adminToken, namespace: opts.namespace ?? "default" };
  }

  /** Authenticates and authorises one request, then runs `next` as that user (or answers a review). */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    next: () => Promise<void>,
  ): Promise<void> {
    if (!this.enabled) return next();
    const sender = this.authn.authenticate(req);
    const imp = impersonation(req);
    if (imp) for (const check of imp.checks) this.enforce(sender, check);
    const user = imp?.user ?? sender;
    this.enforce(user, requestAttributes(info));
    if (info.type === "resource" && REVIEW_GROUPS.has(info.group) && info.resource?.endsWith("reviews")) {
      if (info.verb !== "create") throw methodNotAllowed();
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (err) {
        throw badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`);
      }
      const answer = answerReview(this.resolver, info, user, body);
      if (answer === undefined) throw pageNotFound();
      return sendJson(res, 201, answer);
    }
    return this.requestUser.run(user, next);
  }

  private decide(user: UserInfo, a: Attributes): { allowed: boolean; reason: string } {
    const d = authorize(this.resolver, user, a);
    this.tracker.record(user, a, d.allowed);
    return d;
  }

  private check(user: UserInfo, a: Attributes): boolean {
    return this.decide(user, a).allowed;
  }

  private enforce(user: UserInfo, a: Attributes): void {
    const d = authorize(this.resolver, user, a);
    this.tracker.record(user, a, d.allowed);
    if (d.allowed) return;
    const msg = forbiddenMessage(user, a) + (d.reason ? `: ${d.reason}` : "");
    throw forbiddenError(
      a.resourceRequest ? a.apiGroup : "",
      a.resourceRequest ? a.resource : "",
      a.name,
      msg,
    );
  }

  /** pkg/registry/rbac: escalate/bind verbs, else the writer must already hold every granted rule. */
  private escalationCheck(kind: string, obj: KubeObject): void {
    const user = this.requestUser.getStore();
    if (!user || user.groups.includes(MASTERS_GROUP)) return;
    const ns = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    const attrs = (verb: string, resource: string, n: string): Attributes => ({
      verb,
      resourceRequest: true,
      apiGroup: RBAC_GROUP,
      resource,
      subresource: "",
      namespace: ns,
      name: n,
      path: "",
    });
    const plural = `${kind.toLowerCase()}s`;
    let granted: PolicyRule[];
    if (kind === "Role" || kind === "ClusterRole") {
      if (this.check(user, attrs("escalate", plural, name))) return;
      granted = rulesOf(obj);
    } else {
      const ref = roleRefOf(obj);
      if (this.check(user, attrs("bind", ref.kind === "Role" ? "roles" : "clusterroles", ref.name))) return;
      const { rules, error } = this.resolver.roleRefRules(ref, ns);
      if (error)
        throw notFound(
          { group: RBAC_GROUP, resource: ref.kind === "Role" ? "roles" : "clusterroles" },
          ref.name,
        );
      granted = rules;
    }
    const owned = this.resolver.rulesFor(user, ns);
    const missing = uncoveredRules(owned.rules, granted);
    if (missing.length === 0) return;
    let why = `user "${user.name}" (groups=${quotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${compactMissing(missing).map(compactRule).join("\n")}`;
    if (owned.errors.length) why += `; resolution errors: [${owned.errors.join(", ")}]`;
    throw forbiddenError(RBAC_GROUP, plural, name, why);
  }

  usage(filter: { user?: string; serviceAccount?: ServiceAccountRef } = {}): UsageEntry[] {
    this.requireEnabled();
    return this.tracker.list(filter);
  }

  clearUsage(): void {
    this.tracker.clear();
  }

  /** Verb/resource pairs of the ServiceAccount's directly bound roles that no request of it used. */
  unusedGrants(opts: { serviceAccount: ServiceAccountRef }): UnusedGrant[] {
    this.requireEnabled();
    return this.tracker.unusedGrants(this.ctx.store, this.resolver, opts.serviceAccount);
  }

  /** The admin identity (system:masters) that `sim.kubeConfig()` uses when RBAC is on. */
  get adminUser(): UserInfo {
    return ADMIN_USER;
  }
}
