import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { type FakeComment, type FakeGithub, startFakeGithub } from "@orchestrator/github/test/fake-github";
import {
  type KubeSim,
  loadCrdsFromDir,
  type OutcomeHook,
  type PodOutcome,
  startKubeSim,
} from "@orchestrator/kube-sim";
import { freePort } from "@orchestrator/local-redis";
import { REPO_ROOT, type ServiceName, ServiceProcess } from "./service-process.js";

export const NAMESPACE = "agents";
export const GITHUB_USER = "swe-1-5dlabs";
export const API_TOKEN = "e2e-token-0123456789abcdef";
export const WEBHOOK_SECRET = "e2e-webhook-secret";
/**
 * Where `stop()` writes each service's `/metrics` text (gitignored): `test/deploy` checks that every
 * metric the alerts and the dashboard name is one the services really export.
 */
export const METRICS_DUMP_DIR = resolve(REPO_ROOT, "test/e2e/.metrics");

/**
 * The whole product for an end-to-end test: real Redis (from the vitest global setup), the Kubernetes
 * API simulator and a fake GitHub API in this process, and the four services as separate processes.
 */
export interface System {
  sim: KubeSim;
  /** the fake GitHub API (libs/github's), with the comments on one issue or pull request */
  github: FakeGithub & { commentsOn(repository: string, issue: number): FakeComment[] };
  apiUrl: string;
  prefix: string;
  services: Record<ServiceName, ServiceProcess>;
  /** extra ingress/dispatcher processes asked for with `extraReplicas` (same Redis, same settings) */
  replicas: ServiceProcess[];
  /** the base URL of every ingress process: `apiUrl` first, then the extra replicas */
  apiUrls: string[];
  /** pod outcomes by run id; runs not listed succeed with `defaultResult` */
  outcomes: Map<string, PodOutcome>;
  /** asked first for every pod (e.g. to match kubectl-applied runs, whose run id is not known yet) */
  podOutcome?: ((pod: SimPod) => PodOutcome | undefined) | undefined;
  /** the answer's body: parsed JSON, or the text when it is not JSON (e.g. a run's logs) */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

const RULES = `
defaults:
  auth: ssh
  githubUser: ${GITHUB_USER}
repositories:
  - match: "*/*"
    service: hello-world
    docsRepository: git@github.com:5dlabs/platform.git
github:
  labels:
    "orchestrator:docs": docs
    "orchestrator:code": code
`;

export interface SystemOptions {
  /**
   * The kubeconfig file a service runs with; default: the simulator's admin kubeconfig. The RBAC test
   * gives each service its own ServiceAccount identity here.
   */
  kubeconfigFor?: (service: ServiceName, sim: KubeSim, dir: string) => Promise<string>;
  /** Start kube-sim with RBAC enforced (HTTPS, tokens, Roles); the harness itself stays admin. */
  rbac?: boolean;
  /** Extra environment per service (e.g. short GC, janitor and pending-timeout settings). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Extra environment for every service (the benchmarks lift MAX_CONCURRENT_RUNS, for example). */
  commonEnv?: Record<string, string>;
  /**
   * GitHub App mode (recommended): ingress, watcher and dispatcher authenticate as an App on the fake
   * GitHub; runs get per-run installation tokens and pull requests Check Runs. Default: PAT mode.
   */
  githubApp?: boolean;
  /** More processes of the scalable services on the same Redis (the scale-out benchmark). */
  extraReplicas?: Partial<Record<"ingress" | "dispatcher", number>>;
}

type SimPod = Parameters<OutcomeHook>[0];

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const dir = await mkdtemp(join(tmpdir(), "orchestrator-e2e-"));
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error("REDIS_URL is not set (vitest global setup)");
  const prefix = `e2e${Date.now().toString(36)}`;
  const outcomes = new Map<string, PodOutcome>();

  const sim = await startKubeSim({
    namespaces: [NAMESPACE],
    crds: await loadCrdsFromDir(resolve(REPO_ROOT, "deploy/crds")),
    watchTimeoutMs: 4000,
    rbac: options.rbac === true,
    kubelet: { scheduleDelayMs: 20, startDelayMs: 50, runDurationMs: 400 },
  });
  let system: System | undefined;
  sim.kubelet.setOutcome((pod) => {
    const hooked = system?.podOutcome?.(pod);
    if (hooked) return hooked;
    const runId = pod.metadata.labels?.["orchestrator.platform/run-id"];
    const scripted = runId ? outcomes.get(runId) : undefined;
    return (
      scripted ?? {
        exitCode: 0,
        terminationMessage: JSON.stringify({
          outcome: "succeeded",
          branch: "feature/task-1-implementation",
          commit: "0123456789abcdef0123456789abcdef01234567",
          pullRequestUrl: `https://github.com/Codertocat/Hello-World/pull/${100 + outcomes.size}`,
          sessionId: "5b0c1f5e-1111-2222-3333-444455556666",
        }),
        logs: ["cloning repository", "running claude", "opened pull request"],
      }
    );
  });
  const core = sim.kubeConfig().makeApiClient(CoreV1Api);
  for (const [name, data] of [
    [`github-ssh-${GITHUB_USER}`, { "ssh-privatekey": "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K" }],
    [`github-pat-${GITHUB_USER}`, { token: Buffer.from("ghp_e2e").toString("base64") }],
    ["anthropic-api-key", { "api-key": Buffer.from("sk-ant-e2e").toString("base64") }],
  ] as const) {
    await core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name }, data } });
  }
  const kubeconfig = join(dir, "kubeconfig.yaml");
  await sim.writeKubeconfig(kubeconfig);
  const rulesFile = join(dir, "rules.yaml");
  await writeFile(rulesFile, RULES);
  const fake = await startFakeGithub();
  const github = Object.assign(fake, {
    commentsOn: (repository: string, issue: number) =>
      [...fake.comments.values()].filter((c) => c.repository === repository && c.issue === issue),
  });
  const githubEnv: Record<string, string> = options.githubApp
    ? {
        GITHUB_APP_ID: "4711",
        GITHUB_APP_PRIVATE_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
          .privateKey.export({ type: "pkcs1", format: "pem" })
          .toString(),
        GITHUB_API_URL: github.url,
      }
    : { GITHUB_TOKEN: "ghs_e2e_token", GITHUB_API_URL: github.url };

  const [apiPort, rendererPort, dispatcherPort, watcherPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const metricsPorts = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const metrics = (i: number) => ({ METRICS_HOST: "127.0.0.1", METRICS_PORT: String(metricsPorts[i]) });
  const metricsUrl = (i: number) => `http://127.0.0.1:${metricsPorts[i]}/metrics`;
  const common: Record<string, string> = {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "info",
    KUBECONFIG: kubeconfig,
    KUBERNETES_NAMESPACE: NAMESPACE,
    RUNTIME: "kubernetes",
    HEALTH_HOST: "127.0.0.1",
    ...options.commonEnv,
  };
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // App mode: tokens expire within the dispatcher's refresh margin, so running agents' tokens are
  // refreshed (every JOB_SWEEP_INTERVAL)
  if (options.githubApp) github.tokenLifetimeMs = 10 * 60_000;
  // the fake App delivers webhooks (and redeliveries) to the ingress, as GitHub would
  github.hook = { url: `${apiUrl}/webhooks/github`, secret: WEBHOOK_SECRET };
  const kubeconfigs = {} as Record<ServiceName, { KUBECONFIG: string }>;
  for (const service of ["ingress", "renderer", "dispatcher", "watcher"] as const)
    kubeconfigs[service] = {
      KUBECONFIG: options.kubeconfigFor ? await options.kubeconfigFor(service, sim, dir) : kubeconfig,
    };
  const services: Record<ServiceName, ServiceProcess> = {
    ingress: new ServiceProcess(
      "ingress",
      {
        ...common,
        ...kubeconfigs.ingress,
        ...metrics(0),
        SERVER_HOST: "127.0.0.1",
        SERVER_PORT: String(apiPort),
        API_TOKENS: `e2e:${API_TOKEN}`,
        GITHUB_WEBHOOK_SECRETS: WEBHOOK_SECRET,
        RULES_FILE: rulesFile,
        PUBLIC_URL: apiUrl,
        ...(options.githubApp ? githubEnv : {}),
        ...options.env?.ingress,
      },
      `${apiUrl}/ready`,
      metricsUrl(0),
    ),
    renderer: new ServiceProcess(
      "renderer",
      {
        ...common,
        ...kubeconfigs.renderer,
        ...metrics(1),
        HEALTH_PORT: String(rendererPort),
        TEMPLATES_WATCH: "false",
        ...options.env?.renderer,
      },
      `http://127.0.0.1:${rendererPort}/ready`,
      metricsUrl(1),
    ),
    dispatcher: new ServiceProcess(
      "dispatcher",
      {
        ...common,
        ...kubeconfigs.dispatcher,
        ...metrics(2),
        HEALTH_PORT: String(dispatcherPort),
        SLOT_RECONCILE_INTERVAL: "2s",
        // App mode: the repositories are on github.com while the fake API listens on 127.0.0.1
        ...(options.githubApp ? { ...githubEnv, GITHUB_GIT_HOST: "github.com" } : {}),
        ...options.env?.dispatcher,
      },
      `http://127.0.0.1:${dispatcherPort}/ready`,
      metricsUrl(2),
    ),
    watcher: new ServiceProcess(
      "watcher",
      {
        ...common,
        ...kubeconfigs.watcher,
        ...metrics(3),
        HEALTH_PORT: String(watcherPort),
        ...githubEnv,
        // App mode: failed deliveries are redelivered (the fake GitHub sends them to the ingress again)
        ...(options.githubApp ? { GITHUB_REDELIVER_INTERVAL: "1s" } : {}),
        GITHUB_DEBOUNCE: "200ms",
        RESYNC_INTERVAL: "2s",
        PUBLIC_URL: apiUrl,
        // kubectl-applied CRs pass the same rules as requests to the ingress
        RULES_FILE: rulesFile,
        // a restarted watcher (new identity) waits out the killed one's Lease: keep that short here
        LEADER_LEASE_DURATION: "3s",
        LEADER_RENEW_DEADLINE: "2s",
        LEADER_RETRY_PERIOD: "300ms",
        ...options.env?.watcher,
      },
      `http://127.0.0.1:${watcherPort}/ready`,
      metricsUrl(3),
    ),
  };
  const replicas: ServiceProcess[] = [];
  for (const name of ["ingress", "dispatcher"] as const) {
    for (let i = 0; i < (options.extraReplicas?.[name] ?? 0); i++) {
      const [port, metricsPort] = await Promise.all([freePort(), freePort()]);
      const url = `http://127.0.0.1:${port}`;
      const own =
        name === "ingress"
          ? { SERVER_PORT: String(port), METRICS_PORT: String(metricsPort) }
          : { HEALTH_PORT: String(port), METRICS_PORT: String(metricsPort) };
      replicas.push(
        new ServiceProcess(
          name,
          { ...services[name].environment, ...own },
          `${url}/ready`,
          `http://127.0.0.1:${metricsPort}/metrics`,
        ),
      );
    }
  }
  await Promise.all([...Object.values(services), ...replicas].map((s) => s.start()));

  system = {
    sim,
    github,
    apiUrl,
    prefix,
    services,
    replicas,
    apiUrls: [apiUrl, ...replicas.filter((r) => r.name === "ingress").map((r) => new URL(r.readyUrl).origin)],
    outcomes,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: parseBody(text, response.headers.get("content-type")) as T };
    },
    async stop() {
      await dumpMetrics(Object.values(services));
      await Promise.all([...Object.values(services), ...replicas].map((s) => s.stop()));
      await github.stop();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return system;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return undefined;
  return contentType?.includes("json") ? JSON.parse(text) : text;
}

/** Each running service's `/metrics` text into METRICS_DUMP_DIR; a stopped service keeps its last dump. */
async function dumpMetrics(services: ServiceProcess[]): Promise<void> {
  await mkdir(METRICS_DUMP_DIR, { recursive: true });
  for (const service of services) {
    const response = await fetch(service.metricsUrl).catch(() => undefined);
    if (response?.status === 200)
      await writeFile(join(METRICS_DUMP_DIR, `${service.name}.prom`), await response.text());
  }
}
