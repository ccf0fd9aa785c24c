import { env } from "@orchestrator/config";
import { QUANTITY_RE } from "@orchestrator/contracts";
import { z } from "zod";
import { parseLocalAgentEnv } from "./local/agent-env.js";

const quantity = (defaultValue: string) =>
  z.string().regex(QUANTITY_RE, "must be a Kubernetes quantity such as 500m, 2 or 4Gi").default(defaultValue);
/**
 * Shortest JOB_TTL_SECONDS accepted. Kubernetes deletes a finished Job (and its pod, logs and
 * termination message) that many seconds after it ends; the watcher must see the outcome first, also
 * after a restart or an informer relist, so seconds are not enough.
 */
export const MIN_JOB_TTL_SECONDS = 300;

const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name");

/**
 * Environment variables that choose and configure the runtime. Every service that builds a runtime
 * (dispatcher, watcher, ingress for logs) spreads these into its config schema, so they agree.
 */
export const runtimeEnv = {
  /** kubernetes | local | auto (auto: kubernetes when credentials are found, else local). */
  RUNTIME: z.enum(["auto", "kubernetes", "local"]).default("auto"),
  /** Agent image; a run may override its tag. */
  JOB_IMAGE: z.string().min(1).default("anthropic/claude-code:latest"),
  /** Comma-separated image pull secrets of agent pods. */
  JOB_IMAGE_PULL_SECRETS: env.csv(),
  /** Seconds a finished agent Job (pod, logs) is kept after it ends; the dispatcher deletes it then, once the run is final. At least 300. */
  JOB_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(
      MIN_JOB_TTL_SECONDS,
      `must be at least ${MIN_JOB_TTL_SECONDS} seconds: a finished Job, its pod and its logs are deleted after this ` +
        "long, and the watcher must record the run's outcome before they go",
    )
    .default(1800),
  /** Longest a run may take, in seconds; a run may override it. */
  JOB_ACTIVE_DEADLINE_SECONDS: env.positiveInt(7200),
  JOB_CPU_REQUEST: quantity("1"),
  JOB_CPU_LIMIT: quantity("2"),
  JOB_MEMORY_REQUEST: quantity("2Gi"),
  JOB_MEMORY_LIMIT: quantity("4Gi"),
  /** Service account of agent pods (the namespace's default when unset; its token is never mounted). */
  JOB_SERVICE_ACCOUNT: k8sName.optional(),
  /** Secret and key holding the Anthropic API key given to agents. */
  ANTHROPIC_SECRET_NAME: k8sName.default("anthropic-api-key"),
  ANTHROPIC_SECRET_KEY: z
    .string()
    .regex(/^[-._a-zA-Z0-9]{1,253}$/, "must be a secret key name")
    .default("api-key"),
  /** Size of each service's workspace PVC. */
  WORKSPACE_SIZE: quantity("10Gi"),
  /** Storage class of workspace PVCs (the cluster default when unset). */
  WORKSPACE_STORAGE_CLASS: k8sName.optional(),
  /** Local runtime: directory of run directories and service workspaces (relative to the working directory). */
  DATA_DIR: z.string().min(1).default(".data"),
  /** Local runtime: file holding a GitHub token for the agent (ORCH_GITHUB_TOKEN_FILE). */
  LOCAL_GITHUB_TOKEN_FILE: z.string().min(1).optional(),
  /** Local runtime: directory holding `ssh-privatekey` for the agent (ORCH_SSH_KEY_DIR). */
  LOCAL_SSH_KEY_DIR: z.string().min(1).optional(),
  /**
   * Local runtime: the developer's variables passed to agents (comma-separated; `+A,B` adds to the
   * defaults; empty passes none). Default: proxies, CA bundles, SSH_AUTH_SOCK, GIT_CONFIG_GLOBAL,
   * CLAUDE_CONFIG_DIR (or ~/.claude). The service's own secrets are refused.
   */
  LOCAL_AGENT_ENV: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseLocalAgentEnv(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** Local runtime: check tools and credentials before a run is accepted (422 naming the fix). */
  LOCAL_PREFLIGHT: env.boolean(true),
  /** Local runtime: how long a cancelled agent gets between SIGTERM and SIGKILL. */
  LOCAL_KILL_GRACE: env.duration("10s"),
} as const;

const runtimeEnvSchema = z.object(runtimeEnv);
export type RuntimeConfig = z.infer<typeof runtimeEnvSchema> & { KUBERNETES_NAMESPACE: string };
