import { commonEnv, type Env, env, loadConfig } from "@orchestrator/config";
import { DEFAULT_CODE_MODEL, DEFAULT_DOCS_MODEL } from "@orchestrator/contracts";
import { checkGithubCredentials, githubCredentialsEnv } from "@orchestrator/github";
import { policyEnv } from "@orchestrator/policy";
import { z } from "zod";

const optionalUrl = z.url({ protocol: /^https?$/ }).optional();

export const watcherEnvSchema = z
  .object({
    ...commonEnv,
    /** Port of /health, /ready and /metrics. */
    HEALTH_PORT: env.port(8083),
    /** Bind address of the health server. */
    HEALTH_HOST: z.string().min(1).default("0.0.0.0"),
    /** `kubernetes`, `local`, or `auto` (Kubernetes when credentials are found, else local). */
    RUNTIME: z.enum(["auto", "kubernetes", "local"]).default("auto"),
    /** Local runtime: directory of run directories (`<DATA_DIR>/runs/<run-id>/`), relative to the working directory. */
    DATA_DIR: z.string().min(1).default(".data"),
    /**
     * A run whose agent has not started this long after its Job was created fails with the reason it is
     * stuck (counted from the Job's creation: waiting for the pod, scheduling and image pulls all count).
     */
    PENDING_TIMEOUT: env.duration("10m"),
    /** How often every active run is looked at again (besides watch events), as a safety net. */
    RESYNC_INTERVAL: env.duration("30s"),
    /** `timeoutSeconds` of every watch: the API server ends it and it is resumed from the last version. */
    WATCH_TIMEOUT: env.duration("5m"),
    /** A watch that carried no event and no bookmark this long is dead (a proxy may keep it open): re-list. */
    WATCH_IDLE_TIMEOUT: env.duration("2m"),
    /** How often Jobs, Pods and DocsRun/CodeRun are re-listed from the API (not the cache) and reconciled. */
    RELIST_INTERVAL: env.duration("5m"),
    /**
     * Leader election on a coordination.k8s.io Lease, so several replicas can run and one works
     * (unset: on with the Kubernetes runtime, off with the local one).
     */
    LEADER_ELECTION: z
      .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
      .optional()
      .transform((v) => (v === undefined ? undefined : v === "true" || v === "1" || v === "yes")),
    /** Name of the Lease (in KUBERNETES_NAMESPACE). */
    LEADER_LEASE_NAME: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes name")
      .default("orchestrator-watcher"),
    /** How long a leader's lease holds without renewal: a crashed leader is replaced after this. */
    LEADER_LEASE_DURATION: env.duration("15s"),
    /** A leader that could not renew for this long stops working (shorter than LEADER_LEASE_DURATION). */
    LEADER_RENEW_DEADLINE: env.duration("10s"),
    /** How often candidates try to acquire and the leader renews. */
    LEADER_RETRY_PERIOD: env.duration("2s"),
    /** Identity in the Lease (the pod's name through the downward API; default: host name and pid). */
    POD_NAME: z.string().min(1).optional(),
    /** How often local runs are polled for their state. */
    LOCAL_POLL_INTERVAL: env.duration("1s"),
    /** How often run records are pruned and orphaned Jobs removed. */
    GC_INTERVAL: env.duration("10m"),
    /** A Job whose run record or custom resource is gone is deleted once it is at least this old. */
    ORPHAN_GRACE: env.duration("2m"),
    /** GITHUB_TOKEN, GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY(_FILE), GITHUB_API_URL (see README) */
    ...githubCredentialsEnv,
    /** How often failed GitHub App webhook deliveries are redelivered (App mode; 0 = never). */
    GITHUB_REDELIVER_INTERVAL: env.duration("5m"),
    /** Whether to comment on the originating issue/PR of GitHub runs at all (needs a token or an App). */
    GITHUB_COMMENTS: env.boolean(true),
    /** HMAC-SHA256 key for the `X-Orchestrator-Signature-256` header of run callbacks (unset: none are sent). */
    CALLBACK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Delivery attempts of one callback before it is given up (exponential backoff from 2 s). */
    CALLBACK_ATTEMPTS: env.positiveInt(10),
    /** Wait after a phase change before editing the GitHub comment, so quick successive phases make one edit. */
    GITHUB_DEBOUNCE: env.duration("2s"),
    /** Public base URL of the orchestrator API, for links in GitHub comments. */
    PUBLIC_URL: optionalUrl,
    /** Rules file (repositories and their users) kubectl-applied CRs are checked against; default: the shipped one. */
    RULES_FILE: z.string().min(1).optional(),
    /** ALLOWED_GIT_HOSTS (CR repositories), ALLOWED_ENV_SECRETS (envFromSecrets) and CALLBACK_ALLOWED_HOSTS (callbacks at send time): see SECURITY.md. */
    ...policyEnv,
    /** Model of kubectl-applied CodeRuns that name none. */
    DEFAULT_CODE_MODEL: z.string().min(1).default(DEFAULT_CODE_MODEL),
    /** Model of kubectl-applied DocsRuns that name none. */
    DEFAULT_DOCS_MODEL: z.string().min(1).default(DEFAULT_DOCS_MODEL),
  })
  .superRefine((config, ctx) => {
    if (config.LEADER_RENEW_DEADLINE >= config.LEADER_LEASE_DURATION)
      ctx.addIssue({
        code: "custom",
        path: ["LEADER_RENEW_DEADLINE"],
        message: "must be shorter than LEADER_LEASE_DURATION",
      });
    checkGithubCredentials(config, ctx);
  });
export type WatcherConfig = z.infer<typeof watcherEnvSchema>;

/** @throws ConfigError naming each bad variable */
export function loadWatcherConfig(source: Env): WatcherConfig {
  return loadConfig(watcherEnvSchema, source);
}
