import { createKubeClients, type KubeClients, runObjectNames } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import {
  createRunSecrets,
  startTestKubeSim,
  TEST_NAMESPACE,
  testKubernetesRuntime,
} from "@orchestrator/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest, docsRequest, type Harness, startHarness } from "./harness.js";

const ns = TEST_NAMESPACE;
let sim: KubeSim;
let clients: KubeClients;
let harness: Harness;

async function start(options: { maxConcurrent?: number } = {}): Promise<void> {
  harness = await startHarness({ runtime: testKubernetesRuntime(sim), ...options });
}

beforeEach(async () => {
  // agents run until the test says otherwise (the watcher is not part of these tests)
  sim = await startTestKubeSim({ kubelet: { defaultOutcome: { hang: true } } });
  clients = createKubeClients(sim.kubeConfig(ns));
  await createRunSecrets(clients);
});
afterEach(async () => {
  await harness?.close();
  await sim.stop();
});

const jobs = () => sim.objects.list("jobs.batch", ns);
const jobCreates = () =>
  sim.requests.filter((r) => r.verb === "create" && r.resource === "jobs" && r.statusCode === 201);

describe("dispatcher on Kubernetes (kube-sim)", () => {
  it("turns a rendered code run into a CodeRun owning its Job, which owns the ConfigMap", async () => {
    await start();
    const run = await harness.createRun(codeRequest({ service: "trader" }));
    await harness.enqueueDispatch(run.id);
    const dispatched = await harness.waitForPhase(run.id, "Dispatched");
    const names = runObjectNames(run);
    expect(dispatched.links).toEqual({
      namespace: ns,
      customResource: names.customResource,
      configMap: names.configMap,
      job: names.job,
    });
    const cr = sim.objects.get("coderuns.orchestrator.platform", ns, names.customResource);
    const job = sim.objects.get("jobs.batch", ns, names.job);
    expect(job?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: "CodeRun",
        name: names.customResource,
        uid: cr?.metadata.uid,
        controller: true,
      }),
    ]);
    // the Job's TTL takes the rendered files with it
    expect(sim.objects.get("configmaps", ns, names.configMap)?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Job", name: names.job, uid: job?.metadata.uid, controller: false }),
    ]);
    expect(sim.objects.get("persistentvolumeclaims", ns, "workspace-trader")).toBeDefined();
  });

  it("creates one Job when the same dispatch message is delivered twice at once", async () => {
    await start();
    const run = await harness.createRun(docsRequest());
    await Promise.all([
      harness.enqueueDispatch(run.id),
      harness.dispatchQueue.add(
        "dispatch",
        { runId: run.id, files: { "container.sh": "echo\n", "settings.json": "{}" }, digest: "x" },
        { jobId: `replay-${run.id}` },
      ),
    ]);
    await harness.waitForPhase(run.id, "Dispatched");
    await expect.poll(async () => harness.dispatchQueue.getJobState(`replay-${run.id}`)).toBe("completed");
    await expect.poll(async () => harness.dispatchQueue.getJobState(run.id)).toBe("completed");
    expect(jobs()).toHaveLength(1);
    expect(jobCreates()).toHaveLength(1);
    expect(
      (await harness.runStore.require(run.id)).timeline.filter((t) => t.phase === "Dispatched"),
    ).toHaveLength(1);
  });

  it("finishes a dispatch interrupted after the CodeRun and ConfigMap with exactly one of each", async () => {
    await start();
    sim.faults.failNext(6, 503, { verb: "create", resource: "jobs" });
    const run = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(run.id, undefined, { attempts: 4, backoff: { type: "fixed", delay: 50 } });
    await harness.waitForPhase(run.id, "Dispatched");
    expect(sim.objects.list("coderuns.orchestrator.platform", ns)).toHaveLength(1);
    expect(sim.objects.list("configmaps", ns)).toHaveLength(1);
    expect(jobs()).toHaveLength(1);
    expect(sim.requests.filter((r) => r.resource === "jobs" && r.statusCode === 503)).toHaveLength(6);
  });

  it("runs three code runs of one service one after another", async () => {
    await start();
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await harness.createRun(codeRequest({ taskId: i }))).id);
    for (const id of ids) await harness.enqueueDispatch(id);
    await harness.waitForPhase(ids[0]!, "Dispatched");
    await expect.poll(() => harness.phases(ids)).toEqual(["Dispatched", "Queued", "Queued"]);
    expect(jobs()).toHaveLength(1);
    for (let i = 1; i < 3; i++) {
      // the watcher saw the previous agent finish
      await harness.runStore.transition(ids[i - 1]!, "Succeeded", "agent finished");
      await harness.waitForPhase(ids[i]!, "Dispatched");
      expect(jobs()).toHaveLength(i + 1);
      expect((await harness.phases(ids)).filter((p) => p === "Dispatched")).toHaveLength(1);
    }
    const created = jobCreates().map((r) => r.time);
    expect(created).toEqual([...created].sort());
  });

  it("fails a run whose GitHub credentials are missing, naming the secret", async () => {
    await start();
    const run = await harness.createRun(codeRequest({ githubUser: "nobody-here" }));
    await harness.enqueueDispatch(run.id);
    const failed = await harness.waitForPhase(run.id, "Failed");
    expect(failed.message).toContain('secret "github-ssh-nobody-here" does not exist in namespace "agents"');
    expect(failed.message).toContain("kubectl -n agents create secret generic github-ssh-nobody-here");
    expect(jobs()).toEqual([]);
  });

  it("cancels a dispatched run by deleting its Job in the background", async () => {
    await start();
    const run = await harness.createRun(docsRequest());
    await harness.enqueueDispatch(run.id);
    await harness.waitForPhase(run.id, "Dispatched");
    await harness.cancel(run.id, "cancelled from the API");
    const cancelled = await harness.waitForPhase(run.id, "Cancelled");
    expect(cancelled.message).toBe("cancelled from the API");
    await expect.poll(() => jobs().length).toBe(0);
    expect(
      sim.requests.find((r) => r.verb === "delete" && r.resource === "jobs")?.query.propagationPolicy,
    ).toBe("Background");
  });

  it("dispatches every run exactly once while 30% of API calls fail with 500 or 429", async () => {
    await start();
    const requests = [
      ...["trader", "billing", "search", "auth"].map((service, i) => codeRequest({ service, taskId: i + 1 })),
      ...Array.from({ length: 8 }, () => docsRequest()),
    ];
    const ids: string[] = [];
    for (const request of requests) ids.push((await harness.createRun(request)).id);
    sim.clearRequests();
    // 1 - 0.85 × 0.82 ≈ 0.30 of all requests fail
    sim.faults.errorRate(0.15, 500);
    sim.faults.add({ rate: 0.18, status: 429, retryAfterSeconds: 1 });
    for (const id of ids)
      await harness.enqueueDispatch(id, undefined, { attempts: 10, backoff: { type: "fixed", delay: 50 } });
    for (const id of ids) await harness.waitForPhase(id, "Dispatched", 60_000);
    sim.faults.clear();

    const injected = sim.requests.filter((r) => r.fault);
    expect(injected.length / sim.requests.length).toBeGreaterThan(0.2);
    expect(injected.some((r) => r.statusCode === 429)).toBe(true);
    expect(jobs()).toHaveLength(ids.length);
    expect(jobCreates()).toHaveLength(ids.length);
    for (const id of ids) {
      const run = await harness.runStore.require(id);
      expect(run.timeline.filter((t) => t.phase === "Dispatched")).toHaveLength(1);
      expect(
        sim.objects.get("jobs.batch", ns, run.links.job!)?.metadata.labels?.["orchestrator.platform/run-id"],
      ).toBe(id);
    }
  });
});
