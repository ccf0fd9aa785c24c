import { generateKeyPairSync } from "node:crypto";
import { createGithubClient, createRunTokenMinter, type RunTokenMinter } from "@orchestrator/github";
import { type FakeGithub, startFakeGithub } from "@orchestrator/github/test/fake-github";
import { createKubeClients, type KubeClients, runObjectNames } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import {
  createRunSecrets,
  startTestKubeSim,
  TEST_FILES,
  TEST_NAMESPACE,
  TEST_USER,
  testCodeRun,
  testDocsRun,
  testKubernetesRuntime,
} from "../testing.js";
import type { KubernetesRuntime } from "./kubernetes-runtime.js";

const ns = TEST_NAMESPACE;
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();
const POLL = { timeout: 30_000, interval: 50 };

let sim: KubeSim;
let clients: KubeClients;
let github: FakeGithub;
let minter: RunTokenMinter;
let runtime: KubernetesRuntime;

beforeEach(async () => {
  sim = await startTestKubeSim({ kubelet: { defaultOutcome: { hang: true } } });
  clients = createKubeClients(sim.kubeConfig(ns));
  await createRunSecrets(clients);
  // App mode needs no PAT: prove it by not having one
  await clients.core.deleteNamespacedSecret({ name: `github-pat-${TEST_USER}`, namespace: ns });
  github = await startFakeGithub();
  const client = createGithubClient({
    apiUrl: github.url,
    auth: { appId: "1", privateKey },
    userAgent: "t",
    retryBaseMs: 10,
    writeIntervalMs: 10,
  });
  minter = createRunTokenMinter(client, "https://api.github.com")!;
  runtime = testKubernetesRuntime(sim, {}, {}, { githubApp: minter });
});
afterEach(async () => {
  await github.stop();
  await sim.stop();
});

const secret = (name: string) => sim.objects.get("secrets", ns, name);
const mints = () => github.requests.filter((r) => r.path.endsWith("/access_tokens"));
const creates = (resource: string) =>
  sim.requests.filter((r) => r.verb === "create" && r.resource === resource && r.statusCode === 201).length;

describe("GitHub App mode: a per-run token in a Secret owned by the Job", () => {
  it("mints a token for the run's repositories, stores it owned by the Job, mounts it, and it goes with the Job", async () => {
    const run = testCodeRun({
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    });
    const names = runObjectNames(run);
    await runtime.dispatch(run, TEST_FILES);

    expect(mints()).toHaveLength(1);
    expect(mints()[0]!.body).toEqual({
      repositories: ["trader", "platform"],
      permissions: { contents: "write", pull_requests: "write", issues: "write" },
    });
    const job = sim.objects.get("jobs.batch", ns, names.job)!;
    const stored = secret(`${names.job}-github-token`)!;
    const token = Buffer.from(
      String((stored as { data?: { token?: string } }).data?.token),
      "base64",
    ).toString();
    expect(token).toBe(`${github.installationToken}_run1`);
    expect(stored.metadata.labels?.["orchestrator.platform/run-id"]).toBe(run.id);
    expect(stored.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Job", name: names.job, uid: job.metadata.uid }),
    ]);
    expect(stored.metadata.annotations?.["orchestrator.platform/token-repositories"]).toBe(
      "5dlabs/trader 5dlabs/platform",
    );
    const volumes = JSON.stringify((job as { spec?: unknown }).spec);
    expect(volumes).toContain(`"secretName":"${names.job}-github-token"`);
    expect(volumes).not.toContain("github-pat-");
    // the SSH docs repository still clones with the user's key
    expect(volumes).toContain(`github-ssh-${TEST_USER}`);
    // the token is in the Secret only: not in the Job, the ConfigMap or the CR
    for (const resource of ["jobs.batch", "configmaps", "coderuns.orchestrator.platform"])
      expect(JSON.stringify(sim.objects.list(resource, ns))).not.toContain(token);

    await clients.batch.deleteNamespacedJob({
      name: names.job,
      namespace: ns,
      propagationPolicy: "Background",
    });
    await expect.poll(() => secret(`${names.job}-github-token`), POLL).toBeUndefined();
  });

  it("is idempotent: a repeated dispatch keeps the Job and the Secret and mints nothing", async () => {
    const run = testDocsRun();
    const before = creates("secrets");
    await runtime.dispatch(run, TEST_FILES);
    await runtime.dispatch(run, TEST_FILES);
    expect(creates("jobs")).toBe(1);
    expect(creates("secrets") - before).toBe(1);
    expect(mints()).toHaveLength(1);
  });

  it("a dispatch that died between the Job and the Secret is completed by the retry: one Job, one Secret", async () => {
    const run = testDocsRun();
    const names = runObjectNames(run);
    sim.faults.add({ match: { verb: "create", resource: "secrets" }, status: 500, times: 100 });
    await expect(runtime.dispatch(run, TEST_FILES)).rejects.toThrow();
    expect(sim.objects.get("jobs.batch", ns, names.job)).toBeDefined();
    expect(secret(`${names.job}-github-token`)).toBeUndefined();
    sim.faults.clear();

    await runtime.dispatch(run, TEST_FILES);
    expect(creates("jobs")).toBe(1);
    const stored = secret(`${names.job}-github-token`)!;
    expect(stored.metadata.ownerReferences?.[0]?.uid).toBe(
      sim.objects.get("jobs.batch", ns, names.job)!.metadata.uid,
    );
  });

  it("fails a run the App is not installed for before any Job exists, naming the repository", async () => {
    github.installations.set("5dlabs/platform", null);
    const err = await runtime.dispatch(testDocsRun(), TEST_FILES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentDispatchError);
    expect((err as Error).message).toMatch(/5dlabs\/platform.*installed/);
    expect(sim.objects.list("jobs.batch", ns)).toHaveLength(0);
  });

  it("a repository on another host keeps the per-user PAT (and says it is missing)", async () => {
    const err = await runtime
      .dispatch(testDocsRun({ repositoryUrl: "https://git.example.com/5dlabs/platform.git" }), TEST_FILES)
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain(`github-pat-${TEST_USER}`);
    expect(mints()).toHaveLength(0);
  });

  it("replaces the token of a long run once it is about to expire, and leaves fresh ones", async () => {
    const run = testDocsRun();
    const name = `${runObjectNames(run).job}-github-token`;
    github.tokenLifetimeMs = 10 * 60_000; // less than the 20 minutes refresh margin
    await runtime.dispatch(run, TEST_FILES);
    const token = () => {
      const data = (secret(name) as { data?: { token?: string } }).data;
      return Buffer.from(String(data?.token), "base64").toString();
    };
    expect(token()).toBe(`${github.installationToken}_run1`);
    github.tokenLifetimeMs = 3600_000;
    expect(await runtime.refreshGithubTokens([run])).toBe(1);
    expect(token()).toBe(`${github.installationToken}_run2`);
    expect(
      Date.parse(String(secret(name)!.metadata.annotations?.["orchestrator.platform/token-expires-at"])),
    ).toBeGreaterThan(Date.now() + 50 * 60_000);
    // fresh for the next 50 minutes: nothing to do; runs without a Secret are skipped
    expect(await runtime.refreshGithubTokens([run, testDocsRun()])).toBe(0);
    expect(mints()).toHaveLength(2);
  });
});

// review: prepareRunToken used to mint when the Secret was there but not the run's; the Job was created
// mounting that foreign Secret, and only then ensureRunTokenSecret refused ("conflict"), leaving the Job.
describe("a Secret of the run's token name that is not the run's (review)", () => {
  it("refuses before any Job exists, so no pod mounts the foreign Secret", async () => {
    const run = testCodeRun({
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "https://github.com/5dlabs/trader.git",
    });
    const names = runObjectNames(run);
    await clients.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: `${names.job}-github-token` },
        data: { token: Buffer.from("someone-elses-token").toString("base64") },
      },
    });
    await expect(runtime.dispatch(run, TEST_FILES)).rejects.toBeInstanceOf(PermanentDispatchError);
    expect(sim.objects.get("jobs.batch", ns, names.job)).toBeUndefined();
  });
});

// review: refreshGithubTokens used to stop at the first run whose token could not be minted, so the runs
// after it in the list were never refreshed, at every pass, and their agents lost git access after 1 h.
describe("token refresh of several runs (review)", () => {
  it("one run whose token cannot be minted does not keep the others from being refreshed", async () => {
    github.tokenLifetimeMs = 10 * 60_000;
    const broken = testDocsRun();
    const fine = testCodeRun({
      repositoryUrl: "https://github.com/5dlabs/trader.git",
      docsRepositoryUrl: "https://github.com/5dlabs/trader.git",
    });
    await runtime.dispatch(broken, TEST_FILES);
    await runtime.dispatch(fine, TEST_FILES);
    github.tokenLifetimeMs = 3600_000;
    // GitHub refuses the first run's token (e.g. the App lost access to its repository)
    github.failNext(422, 1, {}, "There is at least one repository that does not exist", "/access_tokens");
    expect(await runtime.refreshGithubTokens([broken, fine])).toBe(1);
  });
});
