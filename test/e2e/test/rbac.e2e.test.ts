import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT, type ServiceName } from "../src/service-process.js";
import { GITHUB_USER, NAMESPACE, type System, startSystem } from "../src/system.js";

/**
 * RBAC proven, not claimed (issue 13): every service runs against kube-sim with the identity of its
 * own ServiceAccount from deploy/overlays/prod, and kube-sim enforces the Roles bound to it exactly as
 * the RBAC authorizer does. A verb the code needs and the Role lacks fails the run (403); a verb a Role
 * grants that no service used fails the last test.
 */
const SERVICES: ServiceName[] = ["ingress", "renderer", "dispatcher", "watcher"];
const POLL = { timeout: 60_000, interval: 200 };

/** The ServiceAccounts, Roles and RoleBindings of the prod overlay, moved to the test namespace. */
function prodRbacObjects(): KubernetesObject[] {
  const text = execFileSync("kubectl", ["kustomize", resolve(REPO_ROOT, "deploy/overlays/prod")], {
    encoding: "utf8",
    maxBuffer: 32 * 1024 * 1024,
  });
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubernetesObject)
    .filter((o) => ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind ?? ""))
    .map((o) => {
      const moved = { ...o, metadata: { ...o.metadata, namespace: NAMESPACE } } as KubernetesObject & {
        subjects?: { kind: string; name: string; namespace?: string }[];
      };
      if (moved.subjects) moved.subjects = moved.subjects.map((s) => ({ ...s, namespace: NAMESPACE }));
      return moved;
    });
}

let system: System;
let sim: KubeSim;

describe("RBAC: each service with its own ServiceAccount against the Roles in deploy/", () => {
  beforeAll(async () => {
    let applied = false;
    system = await startSystem({
      rbac: true,
      kubeconfigFor: async (service, kubeSim, dir) => {
        sim = kubeSim;
        if (!applied) {
          const admin = KubernetesObjectApi.makeApiClient(sim.kubeConfig());
          for (const object of prodRbacObjects()) await admin.create(object);
          applied = true;
        }
        const file = join(dir, `kubeconfig-${service}.yaml`);
        await sim.writeKubeconfig(file, { serviceAccount: `${NAMESPACE}/orchestrator-${service}` });
        return file;
      },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("takes a code run from the API to Succeeded, serves its logs and cancels another, with only the granted verbs", async () => {
    const submit = async () => {
      const { status, body } = await system.api<{ runId: string }>("POST", "/api/v1/runs", {
        kind: "code",
        taskId: 7,
        service: "svc-rbac",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        githubUser: GITHUB_USER,
      });
      expect(status).toBe(202);
      return body.runId;
    };
    const runId = await submit();
    await expect
      .poll(async () => (await system.api<RunRecord>("GET", `/api/v1/runs/${runId}`)).body.phase, POLL)
      .toBe("Succeeded");
    const logs = await system.api("GET", `/api/v1/runs/${runId}/logs`);
    expect(logs.status).toBe(200);

    const second = await submit();
    expect((await system.api("DELETE", `/api/v1/runs/${second}`)).status).toBeLessThan(300);
    await expect
      .poll(async () => (await system.api<RunRecord>("GET", `/api/v1/runs/${second}`)).body.phase, POLL)
      .toBe("Cancelled");
    for (const service of SERVICES) expect(system.services[service].logs()).not.toMatch(/\b403\b|forbidden/i);
  });

  it.each(SERVICES)("grants %s no verb it did not use", (service) => {
    const unused = sim.rbac.unusedGrants({ serviceAccount: `${NAMESPACE}/orchestrator-${service}` });
    expect(unused.map((grant) => grant.description)).toEqual([]);
  });
});
