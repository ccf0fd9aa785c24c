import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  KubernetesObjectApi,
} from "@kubernetes/client-node";
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
const RUN_ID = "orchestrator.platform/run-id";

/**
 * Grants no e2e step can exercise, each with the code path that needs it. Any other unused grant
 * fails the test.
 */
const EXCEPTIONS: Record<string, Record<string, string>> = {
  watcher: {
    // kube-run-reconciler → KubeReader.failedCreateMessage: a Job without pods for 10 s names its newest
    // FailedCreate event (quota, admission); kube-sim's Job controller emits no FailedCreate events
    "list events": "FailedCreate events of a Job that cannot create its pod",
  },
};

/** Short GC, janitor and pending-timeout settings, so those code paths run within the test. */
const ENV = {
  // the janitor lists Jobs every sweep (JOB_TTL_SECONDS has a 300 s floor: no Job is old enough here)
  dispatcher: { JOB_SWEEP_INTERVAL: "1s" },
  // a stuck run stays Pending for PENDING_TIMEOUT and its record RUN_RETENTION after that: wide enough
  // windows that a loaded machine cannot make the test miss them
  watcher: { GC_INTERVAL: "1s", RUN_RETENTION: "40s", ORPHAN_GRACE: "1s", PENDING_TIMEOUT: "20s" },
};

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

const codeRequest = (taskId: number) => ({
  kind: "code",
  taskId,
  // one service per run: code runs of one service share its workspace and run one after another
  service: `svc-${taskId}`,
  repositoryUrl: "git@github.com:5dlabs/trader.git",
  docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
  githubUser: GITHUB_USER,
});
const docsRequest = {
  kind: "docs",
  repositoryUrl: "git@github.com:5dlabs/platform.git",
  workingDirectory: "docs",
  sourceBranch: "main",
  githubUser: GITHUB_USER,
};

async function submit(request: object): Promise<string> {
  const { status, body } = await system.api<{ runId: string }>("POST", "/api/v1/runs", request);
  expect(status, JSON.stringify(body)).toBe(202);
  return body.runId;
}
const getRun = async (id: string) => (await system.api<RunRecord>("GET", `/api/v1/runs/${id}`)).body;
const phaseOf = async (id: string) => (await getRun(id))?.phase;

describe("RBAC: each service with its own ServiceAccount against the Roles in deploy/", () => {
  let hangDocs = true;
  beforeAll(async () => {
    let applied = false;
    system = await startSystem({
      rbac: true,
      // GitHub App mode: the dispatcher creates each run's token Secret (create secrets)
      githubApp: true,
      env: ENV,
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
    // pods are told apart by their labels: kubectl-applied runs get their run id only once adopted
    system.podOutcome = (pod) => {
      const labels = pod.metadata.labels ?? {};
      const task = labels["orchestrator.platform/task-id"];
      if (task === "55" || task === "88") return { hang: true };
      if (task === "66") return { unschedulable: "0/1 nodes are available: insufficient cpu" };
      // the agent's result says it failed but not why: the watcher reads the pod's log for the reason
      if (task === "77")
        return {
          exitCode: 1,
          terminationMessage: JSON.stringify({ outcome: "failed" }),
          logs: ["cloning repository", "fatal: agent crashed"],
        };
      if (labels["orchestrator.platform/kind"] === "docs" && hangDocs) return { hang: true };
      return undefined;
    };
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("runs code and docs runs, a failure, a cancel, a stuck pod and kubectl-applied CRs with only the granted verbs", async () => {
    const admin = {
      core: sim.kubeConfig().makeApiClient(CoreV1Api),
      batch: sim.kubeConfig().makeApiClient(BatchV1Api),
      custom: sim.kubeConfig().makeApiClient(CustomObjectsApi),
    };
    const crRef = (plural: string, name: string) => ({
      group: "orchestrator.platform",
      version: "v1",
      namespace: NAMESPACE,
      plural,
      name,
    });
    const readCr = async (plural: string, name: string) =>
      (await admin.custom.getNamespacedCustomObject(crRef(plural, name)).catch(() => undefined)) as
        | { status?: { runId?: string } }
        | undefined;
    const selector = (id: string) => ({ namespace: NAMESPACE, labelSelector: `${RUN_ID}=${id}` });

    // kubectl-applied CodeRun and DocsRun: adopted (patch), dispatched from the CR (get), deleted while
    // running (the watcher deletes the Job and reads the CR to tell a cancel from a failure)
    const applied = [
      {
        plural: "coderuns",
        body: {
          apiVersion: "orchestrator.platform/v1",
          kind: "CodeRun",
          metadata: { name: "rbac-task-55" },
          spec: {
            ...codeRequest(55),
            kind: undefined,
            workingDirectory: "trader",
            model: "claude-sonnet-4-20250514",
          },
        },
      },
      {
        plural: "docsruns",
        body: {
          apiVersion: "orchestrator.platform/v1",
          kind: "DocsRun",
          metadata: { name: "rbac-docs" },
          spec: { ...docsRequest, kind: undefined, model: "claude-sonnet-4-20250514" },
        },
      },
    ];
    for (const { plural, body } of applied)
      await admin.custom.createNamespacedCustomObject({
        ...crRef(plural, ""),
        body: JSON.parse(JSON.stringify(body)),
      });

    // a workspace claim made before owners were recorded: the dispatcher finds it (409), reads it and
    // records the run's user as its owner
    await admin.core.createNamespacedPersistentVolumeClaim({
      namespace: NAMESPACE,
      body: {
        metadata: { name: "workspace-svc-7" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    });
    const succeeded = await submit(codeRequest(7));
    const failed = await submit(codeRequest(77));
    const cancelled = await submit(codeRequest(88));

    // a succeeded run and its logs (text/plain)
    await expect.poll(() => phaseOf(succeeded), POLL).toBe("Succeeded");
    const logs = await system.api<string>("GET", `/api/v1/runs/${succeeded}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain("opened pull request");

    // a failed run whose result names no reason: the watcher reads the pod's log for its tail
    await expect.poll(() => phaseOf(failed), POLL).toBe("Failed");
    expect((await getRun(failed)).logTail ?? "").toContain("agent crashed");

    // a cancel of a running run: its Job goes, and so does its pod
    await expect.poll(() => phaseOf(cancelled), POLL).toBe("Running");
    expect((await system.api("DELETE", `/api/v1/runs/${cancelled}`)).status).toBeLessThan(300);
    await expect.poll(() => phaseOf(cancelled), POLL).toBe("Cancelled");
    await expect
      .poll(async () => (await admin.core.listNamespacedPod(selector(cancelled))).items.length, POLL)
      .toBe(0);
    // its logs: the linked pod is gone, so the ingress looks for another pod of the run (list)
    expect((await system.api("GET", `/api/v1/runs/${cancelled}/logs`)).status).toBeGreaterThanOrEqual(400);

    // a pod that cannot be scheduled and whose Job was deleted with orphan propagation: the watcher
    // finds the Job gone (get), deletes the stuck pod after PENDING_TIMEOUT and fails the run
    // submitted only now: its Pending phase lasts PENDING_TIMEOUT, then the run fails and, once past
    // RUN_RETENTION, its record goes, so the steps before must not eat into that window
    const stuck = await submit(codeRequest(66));
    await expect.poll(() => phaseOf(stuck), POLL).toBe("Pending");
    const stuckJob = (await admin.batch.listNamespacedJob(selector(stuck))).items[0]!.metadata!.name!;
    await admin.batch.deleteNamespacedJob({
      name: stuckJob,
      namespace: NAMESPACE,
      propagationPolicy: "Orphan",
    });
    await expect.poll(() => phaseOf(stuck), POLL).toBe("Failed");
    expect((await getRun(stuck)).failureReason).toBe("PendingTimeout");
    await expect
      .poll(async () => (await admin.core.listNamespacedPod(selector(stuck))).items.length, POLL)
      .toBe(0);

    // the applied CRs, deleted while their agents run: both runs end Cancelled
    for (const { plural, body } of applied) {
      const name = body.metadata.name;
      await expect.poll(async () => (await readCr(plural, name))?.status?.runId, POLL).toBeTruthy();
      const runId = (await readCr(plural, name))!.status!.runId!;
      await expect.poll(() => phaseOf(runId), POLL).toBe("Running");
      await admin.custom.deleteNamespacedCustomObject(crRef(plural, name));
      await expect.poll(() => phaseOf(runId), POLL).toBe("Cancelled");
    }

    // a docs run through the API
    hangDocs = false;
    const docs = await submit(docsRequest);
    await expect.poll(() => phaseOf(docs), POLL).toBe("Succeeded");

    // an agent that finishes while its dispatch is still being recorded (the ConfigMap handover is
    // slow): the watcher records the outcome first and the dispatcher looks the Job up (get) and keeps it
    sim.faults.add({ match: { verb: "update", resource: "configmaps" }, times: 1, latencyMs: 8000 });
    const raced = await submit(codeRequest(99));
    await expect.poll(() => phaseOf(raced), POLL).toBe("Succeeded");
    await expect
      .poll(() => system.services.dispatcher.logs(), POLL)
      .toMatch(/run finished before its dispatch was recorded/);

    // the watcher's GC deletes the CRs of runs past RUN_RETENTION
    for (const [plural, id] of [
      ["coderuns", succeeded],
      ["docsruns", docs],
    ] as const)
      await expect
        .poll(
          async () =>
            (
              (await admin.custom.listNamespacedCustomObject({
                ...crRef(plural, ""),
                labelSelector: `${RUN_ID}=${id}`,
              })) as { items: unknown[] }
            ).items.length,
          { ...POLL, timeout: 120_000 },
        )
        .toBe(0);

    for (const service of SERVICES) expect(system.services[service].logs()).not.toMatch(/\b403\b|forbidden/i);
  }, 300_000);

  it.each(SERVICES)("denied %s nothing", (service) => {
    const denied = sim.rbac
      .usage({ serviceAccount: `${NAMESPACE}/orchestrator-${service}` })
      .filter((e) => !e.allowed);
    expect(denied).toEqual([]);
  });

  it.each(SERVICES)("grants %s no verb it did not use", (service) => {
    const unused = sim.rbac.unusedGrants({ serviceAccount: `${NAMESPACE}/orchestrator-${service}` });
    const descriptions = unused.map((grant) => grant.description);
    const excepted = Object.keys(EXCEPTIONS[service] ?? {});
    expect(descriptions.filter((d) => !excepted.some((e) => d.startsWith(`${e} `)))).toEqual([]);
    // an exception the run did exercise is stale: remove it
    for (const e of excepted)
      expect(
        descriptions.some((d) => d.startsWith(`${e} `)),
        e,
      ).toBe(true);
  });
});
