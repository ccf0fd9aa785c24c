import { request } from "node:https";
import { AuthorizationV1Api, VersionApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeSim, parseManifests } from "../../src/index.js";
import { apiError, startFastSim } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";

/** A raw HTTPS GET with no credentials, trusting the simulator's CA. */
function anonymousGet(sim: KubeSim, path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { ca: sim.caPem }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("access reviews and non-resource URLs", () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startFastSim({ rbacManifests: parseManifests(WORKER_MANIFESTS) });
  });
  afterAll(() => sim.stop());

  it("lets anyone read /version and only authenticated users discover the API", async () => {
    const anon = sim.kubeConfig({ anonymous: true });
    await expect(anon.makeApiClient(VersionApi).getCode()).resolves.toHaveProperty("major", "1");
    const api = await anonymousGet(sim, "/api");
    expect(api.code).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      details: {},
      message: 'forbidden: User "system:anonymous" cannot get path "/api"',
    });
  });

  it("answers SubjectAccessReviews for other identities, only to those allowed to ask", async () => {
    const spec = {
      user: "system:serviceaccount:apps:worker",
      groups: ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"],
      resourceAttributes: { namespace: "apps", verb: "get", resource: "pods", subresource: "log" },
    };
    const admin = sim.kubeConfig().makeApiClient(AuthorizationV1Api);
    const yes = await admin.createSubjectAccessReview({ body: { spec } });
    expect(yes.status).toMatchObject({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "worker/apps" of Role "worker/apps" to ServiceAccount "worker/apps"',
    });
    const no = await admin.createSubjectAccessReview({
      body: { spec: { ...spec, resourceAttributes: { ...spec.resourceAttributes, verb: "delete" } } },
    });
    expect(no.status?.allowed).toBe(false);
    const worker = sim.kubeConfig({ serviceAccount: "apps/worker" }).makeApiClient(AuthorizationV1Api);
    const err = await apiError(worker.createSubjectAccessReview({ body: { spec } }));
    expect(err.status.message).toBe(
      'subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:apps:worker" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
    );
  });

  it("does not count access reviews as usage", async () => {
    sim.rbac.clearUsage();
    const worker = sim.kubeConfig({ serviceAccount: "apps/worker" }).makeApiClient(AuthorizationV1Api);
    const review = await worker.createSelfSubjectAccessReview({
      body: {
        spec: { resourceAttributes: { namespace: "apps", verb: "delete", group: "batch", resource: "jobs" } },
      },
    });
    expect(review.status?.allowed).toBe(true);
    const used = sim.rbac.usage({ serviceAccount: "apps/worker" }).map((u) => `${u.verb} ${u.resource}`);
    expect(used).toEqual(["create selfsubjectaccessreviews"]);
  });
});
