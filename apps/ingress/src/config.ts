import { commonEnv, type Env, env, loadConfig, metricsEnv, serverEnv } from "@orchestrator/config";
import {
  DEFAULT_CODE_MODEL,
  DEFAULT_DOCS_MODEL,
  DEFAULT_MODEL_ALIASES,
  MODEL_RE,
} from "@orchestrator/contracts";
import { checkGithubCredentials, githubCredentialsEnv } from "@orchestrator/github";
import { defaultRulesFile, policyEnv } from "@orchestrator/policy";
import { z } from "zod";

/** `name:token` pairs; the name is recorded as the run's actor, the token is never stored or logged. */
const apiTokens = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const tokens: { name: string; token: string }[] = [];
    for (const entry of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const colon = entry.indexOf(":");
      const name = colon > 0 ? entry.slice(0, colon) : "";
      const token = colon > 0 ? entry.slice(colon + 1) : "";
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || token.length < 16) {
        ctx.addIssue({
          code: "custom",
          message:
            "must be name:token pairs separated by commas (name: letters, digits, _ . -; token: 16+ chars)",
        });
        return z.NEVER;
      }
      tokens.push({ name, token });
    }
    return tokens;
  });

/** `opus=claude-opus-…,sonnet=…`, merged over the built-in aliases. */
const modelAliases = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const aliases: Record<string, string> = { ...DEFAULT_MODEL_ALIASES };
    for (const entry of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [alias, id, ...rest] = entry.split("=");
      if (!alias || !id || rest.length > 0 || !MODEL_RE.test(alias) || !MODEL_RE.test(id)) {
        ctx.addIssue({ code: "custom", message: "must be alias=model-id pairs separated by commas" });
        return z.NEVER;
      }
      aliases[alias] = id;
    }
    return aliases;
  });

/** `user:password` for Grafana/Alertmanager basic auth. */
const basicAuth = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const colon = value.indexOf(":");
    if (colon < 1 || colon === value.length - 1) {
      ctx.addIssue({ code: "custom", message: "must be user:password" });
      return z.NEVER;
    }
    return { user: value.slice(0, colon), password: value.slice(colon + 1) };
  });

/** Body size limits in the form body-parser understands: `1mb`, `512kb`, `25mb` or a number of bytes. */
const bodyLimit = z
  .string()
  .regex(/^\d+(?:\.\d+)?\s*(?:b|kb|mb|gb)?$/i, "must be a size such as 1mb, 512kb or a number of bytes")
  .default("1mb");

export const ingressEnvSchema = z
  .object({
    /** Redis for the run store, queues and de-duplication records. Unset: redis://127.0.0.1:6379. */
    REDIS_URL: commonEnv.REDIS_URL,
    /** Prefix of every Redis key and BullMQ queue. */
    QUEUE_PREFIX: commonEnv.QUEUE_PREFIX,
    /** pino level. */
    LOG_LEVEL: commonEnv.LOG_LEVEL,
    /** How long finished runs and idempotency records are kept. */
    RUN_RETENTION: commonEnv.RUN_RETENTION,
    /** Bind address of the HTTP server. */
    SERVER_HOST: serverEnv.SERVER_HOST,
    /** Port of the HTTP server (0 picks a free port). */
    SERVER_PORT: serverEnv.SERVER_PORT,
    /** Bind address and port of `/metrics`, apart from the public port. */
    ...metricsEnv,
    /** Secrets that may sign GitHub deliveries, comma-separated; several at once while rotating. */
    GITHUB_WEBHOOK_SECRETS: env.csv(),
    /** A single GitHub webhook secret (added to GITHUB_WEBHOOK_SECRETS). */
    GITHUB_WEBHOOK_SECRET: z.string().optional(),
    /** API bearer tokens as `name:token,name2:token2`; the name becomes the run's `source.actor`. */
    API_TOKENS: apiTokens,
    /** Read-only tokens of the web console (`/ui`) as `name:token,…`: viewers see runs, never cancel or retry. */
    VIEWER_TOKENS: apiTokens,
    /** Bearer token Grafana/Alertmanager send (`Authorization: Bearer …`). */
    GRAFANA_WEBHOOK_TOKEN: z.string().min(8, "must be at least 8 characters").optional(),
    /** Basic-auth credentials Grafana/Alertmanager send, as `user:password`. */
    GRAFANA_BASIC_AUTH: basicAuth,
    /** GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY(_FILE) or GITHUB_TOKEN, GITHUB_API_URL: for the pull-request lookups of webhooks */
    ...githubCredentialsEnv,
    /**
     * Missed-delivery reconciliation (needs GitHub credentials): at start-up, and every
     * GITHUB_RESCAN_INTERVAL, open issues/PRs carrying a trigger label applied within
     * GITHUB_RESCAN_WINDOW that have no run since get the run their `labeled` delivery would have made.
     */
    GITHUB_RESCAN: env.boolean(true),
    /** Repositories (`owner/name`, comma-separated) the re-scan lists; default: the rules' repository matches without wildcards. */
    GITHUB_RESCAN_REPOSITORIES: env.csv(),
    /** Only labels applied this recently are recovered (capped at RUN_RETENTION, whose issue index proves a run exists). */
    GITHUB_RESCAN_WINDOW: env.duration("24h"),
    /** Period of the re-scan after the start-up one; 0 = start-up only. */
    GITHUB_RESCAN_INTERVAL: env.duration("0"),
    /** Secret of Grafana's HMAC signing (`X-Grafana-Alerting-Signature`). */
    GRAFANA_HMAC_SECRET: z.string().min(1).optional(),
    /** Maximum age of a signed Grafana request's timestamp; 0 = the timestamp is not required. */
    GRAFANA_HMAC_MAX_AGE: env.duration("0"),
    /** Header in which Grafana sends the signing timestamp (its contact point's `timestampHeader`). */
    GRAFANA_HMAC_TIMESTAMP_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/, "must be an HTTP header name")
      .default("X-Grafana-Alerting-Timestamp"),
    /** Largest request body accepted (GitHub itself caps payloads at 25 MB). */
    BODY_LIMIT: bodyLimit,
    /** YAML trigger, routing and repository-policy rules. Default: rules.default.yaml of @orchestrator/policy. */
    RULES_FILE: z.string().min(1).optional(),
    /** ALLOWED_GIT_HOSTS, ALLOWED_ENV_SECRETS, CALLBACK_ALLOWED_HOSTS: see SECURITY.md. */
    ...policyEnv,
    /** Model of docs runs when the request names none. */
    DEFAULT_DOCS_MODEL: z.string().regex(MODEL_RE, "must be a model id").default(DEFAULT_DOCS_MODEL),
    /** Model of code runs when the request names none. */
    DEFAULT_CODE_MODEL: z.string().regex(MODEL_RE, "must be a model id").default(DEFAULT_CODE_MODEL),
    /** Extra model aliases, `opus=claude-opus-4-…,sonnet=…`, over the built-in ones. */
    MODEL_ALIASES: modelAliases,
    /** Model ids accepted besides the known ones and the alias targets (comma-separated; new models). */
    EXTRA_MODELS: env.csv(),
    /** Externally visible base URL, for `statusUrl`; default: derived from the request's Host. */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
  })
  .superRefine(checkGithubCredentials);

export type IngressEnv = z.infer<typeof ingressEnvSchema>;

/** The parsed environment plus the values derived from it. */
export type IngressConfig = IngressEnv & {
  /** every secret GitHub deliveries may be signed with */
  githubWebhookSecrets: readonly string[];
  /** RULES_FILE or the shipped default */
  rulesFile: string;
};

/** @throws ConfigError naming each bad variable */
export function loadIngressConfig(source: Env): IngressConfig {
  const parsed = loadConfig(ingressEnvSchema, source);
  const secrets = [...parsed.GITHUB_WEBHOOK_SECRETS];
  if (parsed.GITHUB_WEBHOOK_SECRET && !secrets.includes(parsed.GITHUB_WEBHOOK_SECRET)) {
    secrets.push(parsed.GITHUB_WEBHOOK_SECRET);
  }
  return { ...parsed, githubWebhookSecrets: secrets, rulesFile: parsed.RULES_FILE ?? defaultRulesFile() };
}
