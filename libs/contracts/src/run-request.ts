import { z } from "zod";
import {
  branch,
  envName,
  githubUser,
  IMAGE_TAG_RE,
  k8sName,
  model,
  quantity,
  relativePath,
  repositoryUrl,
  service,
  toolName,
} from "./patterns.js";
import { runSourceSchema } from "./run-source.js";

export const TOOL_CONFIGS = ["minimal", "default", "advanced"] as const;
export type ToolConfig = (typeof TOOL_CONFIGS)[number];

export const RUN_KINDS = ["docs", "code"] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** Per-run overrides of the Job defaults (resources, deadline, image tag). */
export const runOverridesSchema = z
  .object({
    imageTag: z.string().regex(IMAGE_TAG_RE, "must be an image tag").optional(),
    cpuRequest: quantity.optional(),
    cpuLimit: quantity.optional(),
    memoryRequest: quantity.optional(),
    memoryLimit: quantity.optional(),
    activeDeadlineSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict();
export type RunOverrides = z.infer<typeof runOverridesSchema>;

export const envFromSecretSchema = z
  .object({
    /** environment variable name in the agent container */
    name: envName,
    secretName: k8sName,
    secretKey: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, "must be a secret key name"),
  })
  .strict();
export type EnvFromSecret = z.infer<typeof envFromSecretSchema>;

const commonFields = {
  /** Stable id of the request; a second request with the same key returns the first run. */
  idempotencyKey: z.string().min(1).max(200),
  source: runSourceSchema,
  repositoryUrl,
  /** Directory inside the repository the agent works in ("." = repository root). */
  workingDirectory: relativePath,
  /** Resolved model id (aliases are resolved by ingress). */
  model,
  githubUser,
  /** POSTed with the run as JSON (HMAC-signed) when the run reaches a final phase. */
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  overrides: runOverridesSchema.optional(),
  /** Free-form context (an alert, an issue body) given to the agent in its prompt; never put in a script. */
  instructions: z
    .string()
    .max(64 * 1024)
    .optional(),
  /** The run this one retries, if any. */
  retryOf: z.string().optional(),
};

export const docsRunRequestSchema = z
  .object({
    kind: z.literal("docs"),
    ...commonFields,
    /** Branch the docs are generated from; the PR goes back to it. */
    sourceBranch: branch,
  })
  .strict();
export type DocsRunRequest = z.infer<typeof docsRunRequestSchema>;

export const codeRunRequestSchema = z
  .object({
    kind: z.literal("code"),
    ...commonFields,
    /** Task Master task id. */
    taskId: z.number().int().min(0).max(1_000_000),
    service,
    /** Repository holding `.taskmaster/docs/task-<id>/` (the platform/docs repository). */
    docsRepositoryUrl: repositoryUrl,
    /** Project directory inside the docs repository; defaults to `_projects/<service>` in the script. */
    docsProjectDirectory: relativePath.optional(),
    docsBranch: branch.default("main"),
    /** Base branch of the destination repository (the feature branch starts from it and the PR targets it). */
    branch: branch.default("main"),
    toolConfig: z.enum(TOOL_CONFIGS).default("default"),
    /** Explicit MCP tool lists; when given they override the preset's. */
    localTools: z.array(toolName).max(100).optional(),
    remoteTools: z.array(toolName).max(100).optional(),
    contextVersion: z.number().int().min(1).max(1000).default(1),
    promptModification: z
      .string()
      .max(16 * 1024)
      .optional(),
    promptMode: z.enum(["append", "replace"]).default("append"),
    continueSession: z.boolean().default(false),
    overwriteMemory: z.boolean().default(false),
    /** Claude session to resume (`claude --resume <id>`), taken from a previous attempt's result. */
    sessionId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/)
      .optional(),
    env: z.record(envName, z.string().max(32 * 1024)).default({}),
    envFromSecrets: z.array(envFromSecretSchema).max(100).default([]),
    /** Automatic retries of a failed attempt (each bumps contextVersion and continues the session). */
    maxRetries: z.number().int().min(0).max(10).default(0),
    /** How many retries came before this attempt. */
    retryCount: z.number().int().min(0).max(10).default(0),
  })
  .strict();
export type CodeRunRequest = z.infer<typeof codeRunRequestSchema>;

export const runRequestSchema = z.discriminatedUnion("kind", [docsRunRequestSchema, codeRunRequestSchema]);
export type RunRequest = z.infer<typeof runRequestSchema>;
/** What producers may pass before defaults are applied. */
export type RunRequestInput = z.input<typeof runRequestSchema>;
