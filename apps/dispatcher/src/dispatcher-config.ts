import { commonEnv, type Env, env, loadConfig } from "@orchestrator/config";
import { checkGithubCredentials, githubCredentialsEnv } from "@orchestrator/github";
import { runtimeEnv } from "@orchestrator/runtime";
import { z } from "zod";

/** The dispatcher's environment. Documented in apps/dispatcher/README.md. */
export const dispatcherConfigSchema = z
  .object({
    ...commonEnv,
    ...runtimeEnv,
    /**
     * GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY(_FILE), GITHUB_API_URL: with a GitHub App every run gets its
     * own installation token (see GITHUB_APP_RUN_TOKENS). GITHUB_TOKEN is not used by the dispatcher.
     */
    ...githubCredentialsEnv,
    /**
     * With a GitHub App configured: mint each run an installation token for its repositories (contents,
     * pull requests, issues) instead of mounting the user's github-pat-<user>. false keeps the PATs.
     */
    GITHUB_APP_RUN_TOKENS: env.boolean(true),
    /**
     * Git host of the App's repositories (default: GITHUB_API_URL's host; api.github.com → github.com).
     * Runs cloning from another host keep the per-user secrets.
     */
    GITHUB_GIT_HOST: z
      .string()
      .regex(/^[a-zA-Z0-9.-]+$/, "must be a host name such as github.com")
      .optional(),
    /** Runs active at once across all services; 0 = unlimited. Runs over the cap wait in Queued. */
    MAX_CONCURRENT_RUNS: env.nonNegativeInt(10),
    /** Bind address of /health, /ready and /metrics. */
    HEALTH_HOST: z.string().min(1).default("0.0.0.0"),
    /** Port of /health, /ready and /metrics (0 picks a free port). */
    HEALTH_PORT: env.port(8082),
    /** Dispatch jobs processed at once by this process. */
    DISPATCH_CONCURRENCY: env.positiveInt(4),
    /** How often slot holders are checked against the run store (a crashed consumer must not leak a slot). */
    SLOT_RECONCILE_INTERVAL: env.duration("30s"),
    /**
     * How long a run may hold a slot in Queued/Rendering with no dispatch job and no kept dispatch
     * message (its job stalled or vanished) before the reconciler fails it and frees the slot.
     */
    STUCK_DISPATCH_GRACE: env.duration("10m"),
    /** How often finished agent Jobs older than JOB_TTL_SECONDS are deleted (only those of final runs). */
    JOB_SWEEP_INTERVAL: env.duration("60s"),
  })
  .superRefine(checkGithubCredentials);

export type DispatcherConfig = z.infer<typeof dispatcherConfigSchema>;

/**
 * Parses the dispatcher's environment.
 * @throws ConfigError naming each bad variable
 */
export function loadDispatcherConfig(environment: Env): DispatcherConfig {
  return loadConfig(dispatcherConfigSchema, environment);
}
