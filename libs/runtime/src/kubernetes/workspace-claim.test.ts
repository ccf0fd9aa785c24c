import { ANNOTATIONS, buildWorkspacePvc, createKubeClients, type KubeClients } from "@orchestrator/kube";
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
  testKubernetesRuntime,
} from "../testing.js";
import type { KubernetesRuntime } from "./kubernetes-runtime.js";

const ns = TEST_NAMESPACE;
const OTHER_USER = "other-team-bot";
let sim: KubeSim;
let clients: KubeClients;
let runtime: KubernetesRuntime;

beforeEach(async () => {
  sim = await startTestKubeSim({ kubelet: { defaultOutcome: { hang: true } } });
  clients = createKubeClients(sim.kubeConfig(ns));
  await createRunSecrets(clients);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  for (const [name, data] of [
    [`github-ssh-${OTHER_USER}`, { "ssh-privatekey": b64("-----BEGIN OPENSSH PRIVATE KEY-----\nother\n") }],
    [`github-pat-${OTHER_USER}`, { token: b64("ghp_other") }],
  ] as const) {
    await clients.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, data } });
  }
  runtime = testKubernetesRuntime(sim);
});
afterEach(async () => {
  await sim.stop();
});

async function refusal(promise: Promise<unknown>): Promise<PermanentDispatchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PermanentDispatchError);
  return err as PermanentDispatchError;
}

const owner = async () =>
  (await clients.core.readNamespacedPersistentVolumeClaim({ name: "workspace-trader", namespace: ns }))
    .metadata?.annotations?.[ANNOTATIONS.workspaceOwner];
const jobCount = () => sim.objects.list("jobs.batch", ns).length;

describe("workspace ownership", () => {
  it("refuses another user's run on a service whose workspace belongs to the first user, who keeps using it", async () => {
    await runtime.dispatch(testCodeRun({ service: "trader" }), TEST_FILES);
    expect(await owner()).toBe(TEST_USER);

    const err = await refusal(
      runtime.dispatch(
        testCodeRun({
          service: "trader",
          githubUser: OTHER_USER,
          repositoryUrl: "git@github.com:5dlabs/vault.git",
        }),
        TEST_FILES,
      ),
    );
    expect(err.reason).toBe("workspace-owned");
    expect(err.message).toContain(`workspace-trader belongs to ${TEST_USER}'s runs; use another service`);
    expect(jobCount()).toBe(1);

    // the owner's next run (in another letter case: logins are case-insensitive) is dispatched as before
    await runtime.dispatch(
      testCodeRun({ service: "trader", githubUser: TEST_USER.toUpperCase() }),
      TEST_FILES,
    );
    expect(jobCount()).toBe(2);
    // and the other user gets a workspace of their own under another service name
    await runtime.dispatch(testCodeRun({ service: "vault", githubUser: OTHER_USER }), TEST_FILES);
    expect(jobCount()).toBe(3);
  });

  it("adopts a workspace claim made before owners were recorded for the first user that uses it", async () => {
    await clients.core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: buildWorkspacePvc("trader", ns, { size: "1Gi" }),
    });
    expect(await owner()).toBeUndefined();

    await runtime.dispatch(testCodeRun({ service: "trader", githubUser: OTHER_USER }), TEST_FILES);
    expect(await owner()).toBe(OTHER_USER);
    const err = await refusal(runtime.dispatch(testCodeRun({ service: "trader" }), TEST_FILES));
    expect(err.message).toContain(`workspace-trader belongs to ${OTHER_USER}'s runs`);
  });
});
