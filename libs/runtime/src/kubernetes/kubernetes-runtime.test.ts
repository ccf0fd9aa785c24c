import { buildJob, createKubeClients, type KubeClients, runObjectNames } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap, PersistentVolumeClaim } from "kubernetes-models/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogsUnavailableError } from "../logs-unavailable-error.js";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import {
  createRunSecrets,
  startTestKubeSim,
  TEST_FILES,
  TEST_JOB_SETTINGS,
  TEST_NAMESPACE,
  testCodeRun,
  testDocsRun,
  testKubernetesRuntime,
} from "../testing.js";
import type { KubernetesRuntime } from "./kubernetes-runtime.js";

let sim: KubeSim;
let clients: KubeClients;
let runtime: KubernetesRuntime;
const ns = TEST_NAMESPACE;

beforeEach(async () => {
  sim = await startTestKubeSim({ kubelet: { defaultOutcome: { hang: true } } });
  clients = createKubeClients(sim.kubeConfig(ns));
  await createRunSecrets(clients);
  runtime = testKubernetesRuntime(sim);
});
afterEach(async () => {
  await sim.stop();
});

const jobs = () => sim.objects.list("jobs.batch", ns);
const successfulCreates = (resource: string) =>
  sim.requests.filter((r) => r.verb === "create" && r.resource === resource && r.statusCode === 201).length;

async function dispatchError(promise: Promise<unknown>): Promise<PermanentDispatchError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PermanentDispatchError) return err;
    throw err;
  }
  throw new Error("expected the dispatch to fail");
}

describe("KubernetesRuntime.dispatch", () => {
  it("creates the workspace, the CodeRun, and the ConfigMap and Job it owns", async () => {
    const run = testCodeRun();
    const names = runObjectNames(run);
    const { links } = await runtime.dispatch(run, TEST_FILES);
    expect(links).toEqual({
      namespace: ns,
      customResource: names.customResource,
      configMap: names.configMap,
      job: names.job,
    });

    const cr = sim.objects.get("coderuns.orchestrator.platform", ns, names.customResource);
    expect(cr?.metadata.labels?.["orchestrator.platform/run-id"]).toBe(run.id);
    expect(cr?.spec).toMatchObject({
      taskId: 12,
      service: "trader",
      githubUser: "swe-1-5dlabs",
      docsBranch: "main",
    });
    const owner = [
      {
        apiVersion: "orchestrator.platform/v1",
        kind: "CodeRun",
        name: names.customResource,
        uid: cr?.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];

    const stored = sim.objects.get("jobs.batch", ns, names.job)!;
    const configMap = sim.objects.get("configmaps", ns, names.configMap);
    expect(configMap?.data).toEqual(TEST_FILES);
    // the Job's TTL takes the files with it; a CR delete still reaches them through the Job
    expect(configMap?.metadata.ownerReferences).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        name: names.job,
        uid: stored.metadata.uid,
        controller: false,
        blockOwnerDeletion: false,
      },
    ]);
    new ConfigMap(JSON.parse(JSON.stringify(configMap))).validate();

    new Job(JSON.parse(JSON.stringify(stored))).validate();
    expect(stored.metadata.ownerReferences).toEqual(owner);
    const expected = buildJob({ run, names, namespace: ns, settings: TEST_JOB_SETTINGS });
    expect(stored.metadata.labels).toEqual(expect.objectContaining(expected.metadata?.labels));
    const spec = stored.spec as NonNullable<typeof expected.spec>;
    expect(spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 1800,
    });
    expect(spec.template.spec?.containers[0]).toMatchObject(expected.spec!.template.spec!.containers[0]!);
    expect(spec.template.spec?.volumes).toEqual(expected.spec?.template.spec?.volumes);
    expect(spec.template.spec?.securityContext).toEqual(expected.spec?.template.spec?.securityContext);

    const pvc = sim.objects.get("persistentvolumeclaims", ns, "workspace-trader");
    new PersistentVolumeClaim(JSON.parse(JSON.stringify(pvc))).validate();
    expect(pvc?.spec).toMatchObject({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "10Gi" } },
      storageClassName: "standard",
    });
    expect(pvc?.metadata.ownerReferences).toBeUndefined();
  });

  it("gives docs runs a DocsRun and no workspace volume claim", async () => {
    const run = testDocsRun();
    const { links } = await runtime.dispatch(run, TEST_FILES);
    expect(sim.objects.get("docsruns.orchestrator.platform", ns, links.customResource!)?.spec).toEqual({
      repositoryUrl: "https://github.com/5dlabs/platform.git",
      workingDirectory: "_projects/simple-api",
      sourceBranch: "main",
      model: "claude-opus-4-20250514",
      githubUser: "swe-1-5dlabs",
    });
    expect(sim.objects.list("persistentvolumeclaims", ns)).toEqual([]);
  });

  it("creates one of each object however often a run is dispatched", async () => {
    const run = testCodeRun();
    await runtime.dispatch(run, TEST_FILES);
    await runtime.dispatch(run, TEST_FILES);
    await Promise.all([runtime.dispatch(run, TEST_FILES), runtime.dispatch(run, TEST_FILES)]);
    expect(jobs()).toHaveLength(1);
    expect(successfulCreates("jobs")).toBe(1);
    expect(successfulCreates("configmaps")).toBe(1);
    expect(successfulCreates("coderuns")).toBe(1);
    expect(sim.objects.list("persistentvolumeclaims", ns)).toHaveLength(1);
  });

  it("finishes an interrupted dispatch on the next attempt", async () => {
    const run = testCodeRun();
    // the Job create keeps failing until the call gives up, after the CR and ConfigMap exist
    sim.faults.failNext(6, 503, { verb: "create", resource: "jobs" });
    await expect(runtime.dispatch(run, TEST_FILES)).rejects.not.toBeInstanceOf(PermanentDispatchError);
    expect(sim.objects.list("coderuns.orchestrator.platform", ns)).toHaveLength(1);
    expect(sim.objects.list("configmaps", ns)).toHaveLength(1);
    expect(jobs()).toHaveLength(0);
    await runtime.dispatch(run, TEST_FILES);
    expect(sim.objects.list("coderuns.orchestrator.platform", ns)).toHaveLength(1);
    expect(sim.objects.list("configmaps", ns)).toHaveLength(1);
    expect(jobs()).toHaveLength(1);
  });

  it("retries 5xx and 429 answers, waiting as long as Retry-After asks", async () => {
    const slept: number[] = [];
    runtime = testKubernetesRuntime(sim, {
      sleep: async (ms) => void slept.push(ms),
      maxRetryAfterMs: 30_000,
    });
    sim.faults.add({
      times: 1,
      status: 429,
      retryAfterSeconds: 2,
      match: { verb: "create", resource: "configmaps" },
    });
    sim.faults.failNext(2, 500, { verb: "create", resource: "jobs" });
    await runtime.dispatch(testDocsRun(), TEST_FILES);
    expect(jobs()).toHaveLength(1);
    expect(slept).toContain(2000);
    expect(slept).toHaveLength(3);
  });

  it("updates the files of a run whose Job does not exist yet when a re-render changed them", async () => {
    const run = testDocsRun();
    sim.faults.failNext(6, 503, { verb: "create", resource: "jobs" });
    await expect(runtime.dispatch(run, TEST_FILES)).rejects.toThrow();
    await runtime.dispatch(run, { ...TEST_FILES, "prompt.md": "new prompt\n" });
    expect(sim.objects.get("configmaps", ns, runObjectNames(run).configMap)?.data).toMatchObject({
      "prompt.md": "new prompt\n",
    });
  });

  it("uses the CodeRun applied with kubectl as the owner instead of creating one", async () => {
    const custom = clients.custom;
    const applied = (await custom.createNamespacedCustomObject({
      group: "orchestrator.platform",
      version: "v1",
      namespace: ns,
      plural: "coderuns",
      body: {
        apiVersion: "orchestrator.platform/v1",
        kind: "CodeRun",
        metadata: { name: "trader-task-12" },
        spec: {
          taskId: 12,
          service: "trader",
          repositoryUrl: "git@github.com:5dlabs/trader.git",
          docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
          githubUser: "swe-1-5dlabs",
        },
      },
    })) as { metadata: { uid: string } };
    const run = testCodeRun({
      source: { type: "kubernetes", namespace: ns, name: "trader-task-12", uid: applied.metadata.uid },
    });
    const { links } = await runtime.dispatch(run, TEST_FILES);
    expect(links.customResource).toBe("trader-task-12");
    expect(sim.objects.list("coderuns.orchestrator.platform", ns)).toHaveLength(1);
    expect(sim.objects.get("jobs.batch", ns, links.job!)?.metadata.ownerReferences?.[0]).toMatchObject({
      name: "trader-task-12",
      uid: applied.metadata.uid,
    });

    const replaced = testCodeRun({
      source: { type: "kubernetes", namespace: ns, name: "trader-task-12", uid: "another-uid" },
    });
    expect((await dispatchError(runtime.dispatch(replaced, TEST_FILES))).reason).toBe("gone");
  });

  it("fails with the secret's name and how to create it when the GitHub credentials are missing", async () => {
    const run = testCodeRun({ githubUser: "new-user" });
    const err = await dispatchError(runtime.dispatch(run, TEST_FILES));
    expect(err.reason).toBe("missing-secret");
    expect(err.message).toContain('secret "github-ssh-new-user" does not exist in namespace "agents"');
    expect(err.message).toContain(
      "kubectl -n agents create secret generic github-ssh-new-user --from-file=ssh-privatekey=",
    );
    const https = await dispatchError(runtime.dispatch(testDocsRun({ githubUser: "new-user" }), TEST_FILES));
    expect(https.message).toContain(
      "kubectl -n agents create secret generic github-pat-new-user --from-literal=token=",
    );
    expect(jobs()).toEqual([]);
  });

  it("checks the credentials of both repositories of a code run and names every missing one", async () => {
    const mixed = testCodeRun({
      githubUser: "new-user",
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    });
    const err = await dispatchError(runtime.dispatch(mixed, TEST_FILES));
    expect(err.reason).toBe("missing-secret");
    expect(err.message).toContain('secret "github-pat-new-user" does not exist in namespace "agents"');
    expect(err.message).toContain(
      "kubectl -n agents create secret generic github-pat-new-user --from-literal=token=",
    );
    expect(err.message).toContain('secret "github-ssh-new-user" does not exist in namespace "agents"');
    expect(err.message).toContain(
      "kubectl -n agents create secret generic github-ssh-new-user --from-file=ssh-privatekey=",
    );
    expect(err.message).toContain("git@github.com:5dlabs/platform.git");

    // an SSH key alone does not clone an https docs repository
    await clients.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "github-ssh-key-only" }, data: { "ssh-privatekey": "eA==" } },
    });
    const httpsDocs = testCodeRun({
      githubUser: "key-only",
      docsRepositoryUrl: "https://github.com/5dlabs/platform.git",
    });
    const tokenless = await dispatchError(runtime.dispatch(httpsDocs, TEST_FILES));
    expect(tokenless.message).toContain('secret "github-pat-key-only" does not exist');
    expect(tokenless.message).not.toContain("github-ssh-key-only");
    expect(jobs()).toEqual([]);
  });

  it("fails when a secret lacks the key the run needs, or a secret of envFromSecrets is missing", async () => {
    await clients.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "github-ssh-keyless" }, data: { other: "eA==" } },
    });
    const keyless = await dispatchError(runtime.dispatch(testCodeRun({ githubUser: "keyless" }), TEST_FILES));
    expect(keyless.message).toContain(
      'secret "github-ssh-keyless" in namespace "agents" has no key "ssh-privatekey"',
    );
    const envRun = testCodeRun({
      envFromSecrets: [{ name: "DB_URL", secretName: "trader-db", secretKey: "url" }],
    });
    expect((await dispatchError(runtime.dispatch(envRun, TEST_FILES))).message).toContain(
      'secret "trader-db" does not exist',
    );
  });

  it("fails naming the namespace when it does not exist, without reading Namespace objects", async () => {
    const run = testDocsRun({ source: { type: "kubernetes", namespace: "nowhere", name: "x", uid: "u" } });
    const err = await dispatchError(runtime.dispatch(run, TEST_FILES));
    // a namespaced Role cannot GET namespaces: the missing namespace shows as its missing secrets
    expect(err.reason).toBe("missing-secret");
    expect(err.message).toContain('if namespace "nowhere" does not exist: kubectl create namespace nowhere');
  });

  it("fails with the API's message when it rejects an object", async () => {
    sim.faults.add({
      times: 1,
      status: 422,
      message: "Job.batch is invalid: spec.template: Required value",
      match: { verb: "create", resource: "jobs" },
    });
    const err = await dispatchError(runtime.dispatch(testDocsRun(), TEST_FILES));
    expect(err.reason).toBe("rejected");
    expect(err.message).toContain("Job.batch is invalid: spec.template: Required value");
    sim.faults.add({
      times: 1,
      status: 403,
      message: 'jobs.batch is forbidden: User "dispatcher" cannot create',
      match: { verb: "create", resource: "jobs" },
    });
    expect((await dispatchError(runtime.dispatch(testDocsRun(), TEST_FILES))).message).toContain("forbidden");
  });

  it("refuses to adopt an object of the same name that belongs to something else", async () => {
    const run = testDocsRun();
    await clients.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: runObjectNames(run).configMap }, data: {} },
    });
    const err = await dispatchError(runtime.dispatch(run, TEST_FILES));
    expect(err.reason).toBe("conflict");
    expect(err.message).toContain("does not belong to run");
  });

  it("refuses files too large for a ConfigMap", async () => {
    const err = await dispatchError(
      runtime.dispatch(testDocsRun(), { ...TEST_FILES, "prompt.md": "x".repeat(1024 * 1024) }),
    );
    expect(err.reason).toBe("too-large");
  });
});

describe("KubernetesRuntime object lifetimes", () => {
  async function startFinishingSim(): Promise<void> {
    await sim.stop();
    // one Kubernetes second = 1 ms: the agent finishes at once and a 300 s TTL passes in 0.3 s
    sim = await startTestKubeSim({ timeScale: 0.001 });
    clients = createKubeClients(sim.kubeConfig(ns));
    await createRunSecrets(clients);
    runtime = testKubernetesRuntime(sim, {}, { ttlSecondsAfterFinished: 300 });
  }

  it("removes the ConfigMap with the Job once the Job's TTL expires, and keeps the CR", async () => {
    await startFinishingSim();
    const run = testCodeRun();
    const names = runObjectNames(run);
    await runtime.dispatch(run, TEST_FILES);
    await expect
      .poll(() => sim.objects.get("jobs.batch", ns, names.job), { timeout: 10_000 })
      .toBeUndefined();
    await expect.poll(() => sim.objects.get("configmaps", ns, names.configMap)).toBeUndefined();
    expect(sim.objects.get("coderuns.orchestrator.platform", ns, names.customResource)).toBeDefined();
    expect(sim.objects.get("persistentvolumeclaims", ns, "workspace-trader")).toBeDefined();
  });

  it("still takes the Job and ConfigMap with it when the CR is deleted", async () => {
    const run = testDocsRun();
    const names = runObjectNames(run);
    await runtime.dispatch(run, TEST_FILES);
    await clients.custom.deleteNamespacedCustomObject({
      group: "orchestrator.platform",
      version: "v1",
      namespace: ns,
      plural: "docsruns",
      name: names.customResource,
    });
    await expect
      .poll(() => sim.objects.get("jobs.batch", ns, names.job), { timeout: 10_000 })
      .toBeUndefined();
    await expect.poll(() => sim.objects.get("configmaps", ns, names.configMap)).toBeUndefined();
  });

  it("shows the run's overrides on the CR next to the Job that got them", async () => {
    const overrides = { imageTag: "1.0.60", cpuLimit: "4", memoryLimit: "8Gi", activeDeadlineSeconds: 600 };
    const run = testCodeRun({ overrides });
    const names = runObjectNames(run);
    await runtime.dispatch(run, TEST_FILES);
    const cr = sim.objects.get("coderuns.orchestrator.platform", ns, names.customResource);
    expect(JSON.parse(cr?.metadata.annotations?.["orchestrator.platform/overrides"] ?? "null")).toEqual(
      overrides,
    );
    const job = sim.objects.get("jobs.batch", ns, names.job)!;
    expect(job.spec).toMatchObject({
      activeDeadlineSeconds: 600,
      template: { spec: { containers: [{ image: "anthropic/claude-code:1.0.60" }] } },
    });
  });
});

describe("KubernetesRuntime.cancel", () => {
  it("deletes the Job with background propagation, and is a no-op the second time", async () => {
    const run = testDocsRun();
    const { links } = await runtime.dispatch(run, TEST_FILES);
    await runtime.cancel({ ...run, links });
    await runtime.cancel({ ...run, links });
    const deletes = sim.requests.filter((r) => r.verb === "delete" && r.resource === "jobs");
    expect(deletes[0]?.statusCode).toBe(200);
    expect(deletes[0]?.query.propagationPolicy ?? "").toBe("Background");
    await expect.poll(() => jobs().length).toBe(0);
  });
});

describe("KubernetesRuntime.logs", () => {
  it("streams the agent's log until the container ends, and reads the tail", async () => {
    sim.kubelet.setDefaultOutcome({ logs: ["cloning", "running claude", "done"], durationMs: 150 });
    const run = testDocsRun();
    const { links } = await runtime.dispatch(run, TEST_FILES);
    let text = "";
    for await (const chunk of runtime.logs({ ...run, links }, { follow: true }))
      text += Buffer.from(chunk).toString();
    expect(text).toBe("cloning\nrunning claude\ndone\n");
    let tail = "";
    for await (const chunk of runtime.logs({ ...run, links }, { follow: false, tailLines: 1 }))
      tail += chunk.toString();
    expect(tail).toBe("done\n");
  });

  it("says when a run has no pod to read, and does not wait for the pod of a finished run", async () => {
    const run = testDocsRun();
    const iterator = runtime.logs(run, { follow: false })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBeInstanceOf(LogsUnavailableError);
    const finished = runtime.logs({ ...run, phase: "Succeeded" }, { follow: true })[Symbol.asyncIterator]();
    await expect(finished.next()).rejects.toThrow(/no pod any more/);
  });

  it("waits for the pod of a starting run when following", async () => {
    sim.kubelet.setDefaultOutcome({ logs: ["hello"], durationMs: 20, startDelayMs: 100 });
    const run = testDocsRun();
    const reading = (async () => {
      let text = "";
      for await (const chunk of runtime.logs(run, { follow: true })) text += Buffer.from(chunk).toString();
      return text;
    })();
    await runtime.dispatch(run, TEST_FILES);
    expect(await reading).toBe("hello\n");
  });
});
