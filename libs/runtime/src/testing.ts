import { fileURLToPath } from "node:url";
import type { RunRecord } from "@orchestrator/contracts";
import {
  type CodeRequestOverrides,
  type DocsRequestOverrides,
  TEST_GITHUB_USER,
  TEST_RENDERED_FILES,
  testCodeRequest,
  testDocsRequest,
  testRunRecord,
} from "@orchestrator/contracts/testing";
import { createKubeClients, type JobSettings, type KubeClients } from "@orchestrator/kube";
import { type KubeSim, type KubeSimOptions, loadCrdsFromDir, startKubeSim } from "@orchestrator/kube-sim";
import { pino } from "pino";
import type { KubeRetryOptions } from "./kubernetes/kube-retry.js";
import { KubernetesRuntime, type KubernetesRuntimeOptions } from "./kubernetes/kubernetes-runtime.js";

/**
 * Test helpers shared by the runtime's and the dispatcher's tests: kube-sim serving the project's CRDs,
 * the secrets a run needs, Job settings, and run records. Not for production code.
 */

export const CRD_DIR = fileURLToPath(new URL("../../../deploy/crds/", import.meta.url));
export const TEST_NAMESPACE = "agents";
export const TEST_USER = TEST_GITHUB_USER;

export const TEST_JOB_SETTINGS: JobSettings = {
  image: "anthropic/claude-code:latest",
  imagePullSecrets: [],
  activeDeadlineSeconds: 7200,
  resources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
  anthropicSecret: { name: "anthropic-api-key", key: "api-key" },
};

/** kube-sim with fast kubelet phases, the project's CRDs, and the namespaces `default` and `agents`. */
export async function startTestKubeSim(extra: KubeSimOptions = {}): Promise<KubeSim> {
  return startKubeSim({
    seed: 7,
    tickMs: 5,
    timeScale: 0.01,
    namespaces: ["default", TEST_NAMESPACE],
    crds: await loadCrdsFromDir(CRD_DIR),
    ...extra,
    kubelet: {
      scheduleDelayMs: 2,
      startDelayMs: 5,
      runDurationMs: 10,
      terminationDelayMs: 5,
      ...extra.kubelet,
    },
  });
}

/** Creates the secrets runs of {@link TEST_USER} need (SSH key, PAT, Anthropic key). */
export async function createRunSecrets(clients: KubeClients, namespace = TEST_NAMESPACE): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const secrets: [string, Record<string, string>][] = [
    [`github-ssh-${TEST_USER}`, { "ssh-privatekey": b64("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n") }],
    [`github-pat-${TEST_USER}`, { token: b64("ghp_fake") }],
    ["anthropic-api-key", { "api-key": b64("sk-ant-fake") }],
  ];
  for (const [name, data] of secrets) {
    await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name }, data } });
  }
}

export function testKubernetesRuntime(
  sim: KubeSim,
  retry: KubeRetryOptions = {},
  job: Partial<JobSettings> = {},
  extra: Pick<KubernetesRuntimeOptions, "githubApp"> = {},
): KubernetesRuntime {
  return new KubernetesRuntime({
    clients: createKubeClients(sim.kubeConfig(TEST_NAMESPACE)),
    namespace: TEST_NAMESPACE,
    job: { ...TEST_JOB_SETTINGS, ...job },
    workspace: { size: "10Gi", storageClassName: "standard" },
    log: pino({ level: "silent" }),
    retry: { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 20, ...retry },
    logPollMs: 20,
    ...extra,
  });
}

let sequence = 0;
function nextId(): string {
  sequence += 1;
  return `run-0test${Date.now().toString(36).slice(-6)}${String(sequence).padStart(7, "0")}`;
}

export function testCodeRun(overrides: CodeRequestOverrides = {}, id = nextId()): RunRecord {
  return testRunRecord(testCodeRequest({ idempotencyKey: `k-${id}`, taskId: 12, ...overrides }), { id });
}

export function testDocsRun(overrides: DocsRequestOverrides = {}, id = nextId()): RunRecord {
  return testRunRecord(testDocsRequest({ idempotencyKey: `k-${id}`, ...overrides }), { id });
}

export const TEST_FILES = TEST_RENDERED_FILES;
