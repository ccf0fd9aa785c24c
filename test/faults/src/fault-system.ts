import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import {
  type KubeSim,
  type KubeSimOptions,
  loadCrdsFromDir,
  type PodOutcome,
  startKubeSim,
} from "@orchestrator/kube-sim";
import { freePort } from "@orchestrator/local-redis";
import { REPO_ROOT, type ServiceName, ServiceProcess } from "./service-process.js";

export const NAMESPACE = "agents";
export const GITHUB_USER = "swe-1-5dlabs";
export const API_TOKEN = "faults-token-0123456789abcdef";
export const RUN_ANNOTATION = "orchestrator.platform/run-id";

const RULES = `
defaults:
  auth: ssh
  githubUser: ${GITHUB_USER}
repositories:
  - match: "*/*"
    service: hello-world
    docsRepository: git@github.com:5dlabs/platform.git
`;

export interface FaultSystemOptions {
  redisUrl: string;
  /** replicas per service. @defaultValue 1 each */
  replicas?: Partial<Record<ServiceName, number>>;
  /** extra environment per service */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  sim?: KubeSimOptions;
  /** the agent's fate per run (default: success after the kubelet's run duration) */
  outcomeFor?: (runId: string) => PodOutcome | undefined;
}

/**
 * The product as it is deployed: every service its own process (several replicas where asked), real
 * Redis (given), kube-sim in this process. Agents succeed after `kubelet.runDurationMs`.
 */
export interface FaultSystem {
  sim: KubeSim;
  apiUrl: string;
  services: Record<ServiceName, ServiceProcess[]>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** POST /api/v1/runs of a code run on its own service; the run id, or undefined when not accepted */
  submit(n: number, extra?: Record<string, unknown>): Promise<string | undefined>;
  /** the run's phase via the API (undefined when unknown) */
  phase(runId: string): Promise<string | undefined>;
  /** agent pods ever started for a run */
  podsStarted(runId: string): number;
  stop(): Promise<void>;
}

export async function startFaultSystem(options: FaultSystemOptions): Promise<FaultSystem> {
  const dir = await mkdtemp(join(tmpdir(), "orchestrator-faults-"));
  const sim = await startKubeSim({
    namespaces: [NAMESPACE],
    crds: await loadCrdsFromDir(resolve(REPO_ROOT, "deploy/crds")),
    watchTimeoutMs: 4000,
    ...options.sim,
    kubelet: { scheduleDelayMs: 20, startDelayMs: 50, runDurationMs: 300, ...options.sim?.kubelet },
  });
  // every agent pod asks the kubelet for its outcome once: count them per run
  const pods = new Map<string, number>();
  sim.kubelet.setOutcome((pod) => {
    const runId = pod.metadata.annotations?.[RUN_ANNOTATION];
    if (runId) pods.set(runId, (pods.get(runId) ?? 0) + 1);
    return (runId && options.outcomeFor?.(runId)) || outcome;
  });
  const outcome = {
    exitCode: 0,
    terminationMessage: JSON.stringify({ outcome: "succeeded", branch: "docs/x" }),
    logs: ["cloning repository", "running claude", "agent finished"],
  };
  const core = sim.kubeConfig().makeApiClient(CoreV1Api);
  for (const [name, data] of [
    [`github-ssh-${GITHUB_USER}`, { "ssh-privatekey": "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K" }],
    [`github-pat-${GITHUB_USER}`, { token: Buffer.from("ghp_faults").toString("base64") }],
    ["anthropic-api-key", { "api-key": Buffer.from("sk-ant-faults").toString("base64") }],
  ] as const) {
    await core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name }, data } });
  }
  const kubeconfig = join(dir, "kubeconfig.yaml");
  await sim.writeKubeconfig(kubeconfig);
  const rulesFile = join(dir, "rules.yaml");
  await writeFile(rulesFile, RULES);

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const common: Record<string, string> = {
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `faults${Date.now().toString(36)}`,
    LOG_LEVEL: "info",
    KUBECONFIG: kubeconfig,
    KUBERNETES_NAMESPACE: NAMESPACE,
    RUNTIME: "kubernetes",
    HEALTH_HOST: "127.0.0.1",
    PUBLIC_URL: apiUrl,
  };
  const perService: Record<ServiceName, Record<string, string>> = {
    ingress: {
      SERVER_HOST: "127.0.0.1",
      SERVER_PORT: String(apiPort),
      API_TOKENS: `faults:${API_TOKEN}`,
      GITHUB_WEBHOOK_SECRETS: "faults-webhook-secret",
      RULES_FILE: rulesFile,
      // the callback receiver of the tests listens on loopback
      CALLBACK_ALLOWED_HOSTS: "127.0.0.1",
    },
    renderer: { TEMPLATES_WATCH: "false" },
    dispatcher: { SLOT_RECONCILE_INTERVAL: "2s", MAX_CONCURRENT_RUNS: "0" },
    watcher: {
      GITHUB_TOKEN: "ghs_faults",
      GITHUB_API_URL: "http://127.0.0.1:9",
      RESYNC_INTERVAL: "2s",
      RULES_FILE: rulesFile,
      CALLBACK_ALLOWED_HOSTS: "127.0.0.1",
      CALLBACK_SECRET: "faults-callback-secret-0123456789",
      // a restarted watcher (new identity) waits out the killed one's Lease: keep that short here
      LEADER_LEASE_DURATION: "3s",
      LEADER_RENEW_DEADLINE: "2s",
      LEADER_RETRY_PERIOD: "300ms",
    },
  };
  const services = {} as Record<ServiceName, ServiceProcess[]>;
  for (const name of ["ingress", "renderer", "dispatcher", "watcher"] as const) {
    services[name] = [];
    const count = name === "ingress" ? 1 : (options.replicas?.[name] ?? 1);
    for (let i = 0; i < count; i++) {
      const port = name === "ingress" ? apiPort : await freePort();
      const env = { ...common, ...perService[name], ...options.env?.[name] };
      if (name !== "ingress") env.HEALTH_PORT = String(port);
      env.METRICS_HOST = "127.0.0.1";
      env.METRICS_PORT = String(await freePort());
      services[name].push(new ServiceProcess(name, env, `http://127.0.0.1:${port}/ready`));
    }
  }
  await Promise.all(Object.values(services).flatMap((list) => list.map((s) => s.start())));

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // text/plain (logs)
    }
    return { status: response.status, body: parsed as T };
  };
  return {
    sim,
    apiUrl,
    services,
    api,
    async submit(n, extra = {}) {
      try {
        const { status, body } = await api<{ runId?: string }>("POST", "/api/v1/runs", {
          kind: "code",
          taskId: n,
          service: `svc-${n}`,
          repositoryUrl: "git@github.com:5dlabs/trader.git",
          docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
          githubUser: GITHUB_USER,
          ...extra,
        });
        return status === 201 || status === 202 ? body.runId : undefined;
      } catch {
        return undefined;
      }
    },
    async phase(runId) {
      try {
        const { status, body } = await api<{ phase?: string }>("GET", `/api/v1/runs/${runId}`);
        return status === 200 ? body.phase : undefined;
      } catch {
        return undefined;
      }
    },
    podsStarted: (runId) => pods.get(runId) ?? 0,
    async stop() {
      await Promise.all(Object.values(services).flatMap((list) => list.map((s) => s.signal("SIGTERM"))));
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
