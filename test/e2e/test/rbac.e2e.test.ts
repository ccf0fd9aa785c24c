import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT, type ServiceName } from "../src/service-process.js";
import { GITHUB_USER, NAMESPACE, type System, startSystem } from "../src/system.js";

/**
 * RBAC proven, not claimed (issue 13): every service runs against kube-sim with the identity of its
 * own ServiceAccount from deploy/overlays/prod, and kube-sim enforces the Roles bound to it. A verb
 * the code needs and the Role lacks fails the run (403); a verb a Role grants that no service used
 * fails the last test.
 *
 * SKIPPED until the kube-sim RBAC work (branch sim-rbac) is merged: it is written against the API
 * that work adds, declared below as `RbacKubeSim` (`sim.kubeConfig({ serviceAccount })` returns a
 * kubeconfig authenticating as system:serviceaccount:<namespace>:<name>; `sim.rbac.unusedGrants()`
 * lists granted (resource, verb) pairs no request used). After merging: remove `.skip`, align the
 * two signatures with what sim-rbac really exports, and run `npx vitest run test/rbac.e2e.test.ts`.
 * Verbs only some paths use (the watcher's garbage collection and leases, the dispatcher's Job
 * deletion on cancel) must be exercised here or allowed by name in `unusedGrants`' expectation.
 */
interface RbacKubeSim extends Omit<KubeSim, "kubeConfig"> {
  kubeConfig(options?: { serviceAccount?: string; namespace?: string }): KubeConfig;
  rbac: {
    unusedGrants(options?: { namespace?: string; serviceAccounts?: string[] }): {
      serviceAccount: string;
      resource: string;
      verb: string;
    }[];
  };
}

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
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NAMESPACE } }));
}

let system: System;
let sim: RbacKubeSim;

describe.skip("RBAC: each service with its own ServiceAccount against the Roles in deploy/", () => {
  beforeAll(async () => {
    let applied = false;
    system = await startSystem({
      kubeconfigFor: async (service, kubeSim, dir) => {
        sim = kubeSim as unknown as RbacKubeSim;
        if (!applied) {
          const admin = KubernetesObjectApi.makeApiClient(sim.kubeConfig());
          for (const object of prodRbacObjects()) await admin.create(object);
          applied = true;
        }
        const file = join(dir, `kubeconfig-${service}.yaml`);
        const config = sim.kubeConfig({ serviceAccount: `orchestrator-${service}`, namespace: NAMESPACE });
        await writeFile(file, config.exportConfig());
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

  it("grants no verb that no service used", () => {
    expect(
      sim.rbac.unusedGrants({
        namespace: NAMESPACE,
        serviceAccounts: SERVICES.map((s) => `orchestrator-${s}`),
      }),
    ).toEqual([]);
  });
});
