import { resolve } from "node:path";
import {
  createKubeClients,
  type KubeClients,
  type KubeConfigSource,
  kubeConfigForRuntime,
} from "@orchestrator/kube";
import type { Logger } from "pino";
import type { KubeApiErrorHook } from "./kubernetes/kube-retry.js";
import { KubernetesRuntime } from "./kubernetes/kubernetes-runtime.js";
import { pickAgentEnv } from "./local/agent-env.js";
import { LocalRuntime } from "./local/local-runtime.js";
import type { RunTokenMinter } from "./run-token.js";
import type { Runtime } from "./runtime.js";
import type { RuntimeConfig } from "./runtime-env.js";

/** What the process environment contributes besides the parsed config. */
export interface RuntimeProcessEnv {
  KUBECONFIG?: string | undefined;
  KUBERNETES_SERVICE_HOST?: string | undefined;
  HOME?: string | undefined;
  PATH?: string | undefined;
  /** local runtime: passed to the agent */
  ANTHROPIC_API_KEY?: string | undefined;
  LANG?: string | undefined;
  TZ?: string | undefined;
  /** local runtime: the variables LOCAL_AGENT_ENV names are read from here */
  [name: string]: string | undefined;
}

export interface CreatedRuntime {
  runtime: Runtime;
  /** where Kubernetes credentials came from, for the start-up log */
  credentials?: KubeConfigSource;
  /** the API clients of the kubernetes runtime (the all-in-one process shares them with the watcher) */
  clients?: KubeClients;
}

export interface CreateRuntimeOptions {
  log: Logger;
  /** counts failed Kubernetes API calls */
  onApiError?: KubeApiErrorHook;
  /** resolves a relative DATA_DIR. @defaultValue process.cwd() */
  cwd?: string;
  /** GitHub App mode: mints each run its own installation token (instead of the per-user PAT) */
  githubApp?: RunTokenMinter | undefined;
}

/**
 * Builds the runtime `RUNTIME` asks for. `auto` uses Kubernetes when credentials are found (KUBECONFIG,
 * in-cluster service account, ~/.kube/config) and local processes otherwise.
 * @throws KubeConfigError when RUNTIME=kubernetes and no credentials are found (the message says what to set)
 */
export function createRuntime(
  config: RuntimeConfig,
  env: RuntimeProcessEnv,
  options: CreateRuntimeOptions,
): CreatedRuntime {
  const found = kubeConfigForRuntime(config.RUNTIME, env);
  if (found) {
    const clients = createKubeClients(found.kubeConfig);
    const runtime = new KubernetesRuntime({
      clients,
      namespace: config.KUBERNETES_NAMESPACE,
      job: {
        image: config.JOB_IMAGE,
        imagePullSecrets: config.JOB_IMAGE_PULL_SECRETS,
        activeDeadlineSeconds: config.JOB_ACTIVE_DEADLINE_SECONDS,
        resources: {
          cpuRequest: config.JOB_CPU_REQUEST,
          cpuLimit: config.JOB_CPU_LIMIT,
          memoryRequest: config.JOB_MEMORY_REQUEST,
          memoryLimit: config.JOB_MEMORY_LIMIT,
        },
        anthropicSecret: { name: config.ANTHROPIC_SECRET_NAME, key: config.ANTHROPIC_SECRET_KEY },
        serviceAccountName: config.JOB_SERVICE_ACCOUNT,
      },
      workspace: { size: config.WORKSPACE_SIZE, storageClassName: config.WORKSPACE_STORAGE_CLASS },
      log: options.log.child({ runtime: "kubernetes" }),
      retry: { onError: options.onApiError },
      githubApp: options.githubApp,
    });
    return { runtime, credentials: found.source, clients };
  }
  const baseEnv: Record<string, string> = {};
  if (env.LANG) baseEnv.LANG = env.LANG;
  if (env.TZ) baseEnv.TZ = env.TZ;
  const runtime = new LocalRuntime({
    dataDir: resolve(options.cwd ?? process.cwd(), config.DATA_DIR),
    path: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    anthropicApiKey: env.ANTHROPIC_API_KEY,
    githubTokenFile:
      config.LOCAL_GITHUB_TOKEN_FILE && resolve(options.cwd ?? process.cwd(), config.LOCAL_GITHUB_TOKEN_FILE),
    sshKeyDir: config.LOCAL_SSH_KEY_DIR && resolve(options.cwd ?? process.cwd(), config.LOCAL_SSH_KEY_DIR),
    baseEnv,
    agentEnv: pickAgentEnv(config.LOCAL_AGENT_ENV, env),
    preflight: config.LOCAL_PREFLIGHT,
    home: env.HOME,
    log: options.log.child({ runtime: "local" }),
    killGraceMs: config.LOCAL_KILL_GRACE,
    githubApp: options.githubApp,
  });
  return { runtime };
}
