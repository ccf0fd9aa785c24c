import { env } from "@orchestrator/config";
import {
  branch,
  githubUser,
  model,
  REPOSITORY_URL_RE,
  RUN_KINDS,
  relativePath,
  repositoryUrl,
  service,
  TOOL_CONFIGS,
} from "@orchestrator/contracts";
import { z } from "zod";

/** GitHub's author_association values. */
export const AUTHOR_ASSOCIATIONS = [
  "OWNER",
  "MEMBER",
  "COLLABORATOR",
  "CONTRIBUTOR",
  "FIRST_TIME_CONTRIBUTOR",
  "FIRST_TIMER",
  "MANNEQUIN",
  "NONE",
] as const;

export const OWNER_REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Defaults a repository (or an alert route) gives its runs. Every value is checked like a request. */
const runDefaults = {
  /** service (workspace) of code runs; default: derived from the repository name */
  service: service.optional(),
  /** GitHub user whose credentials the agent uses (secret github-ssh-<user> / github-pat-<user>) */
  githubUser: githubUser.optional(),
  /**
   * GitHub users whose credentials runs on these repositories may use (API `githubUser`, alert label
   * `orchestrator_github_user`); default: only `githubUser`. Any other user is refused (403).
   */
  users: z.array(githubUser).min(1).optional(),
  /** model for both kinds (id or alias) */
  model: model.optional(),
  docsModel: model.optional(),
  codeModel: model.optional(),
  toolConfig: z.enum(TOOL_CONFIGS).optional(),
  /** clone over ssh (`ssh_url`, secret github-ssh-<user>) or https (`clone_url`, secret github-pat-<user>) */
  auth: z.enum(["ssh", "https"]).optional(),
  /** base branch of code runs; default: the repository's default branch */
  branch: branch.optional(),
  /** branch docs runs read; default: the repository's default branch */
  sourceBranch: branch.optional(),
  /** default "." */
  docsWorkingDirectory: relativePath.optional(),
  /** default: the service name */
  codeWorkingDirectory: relativePath.optional(),
  /** repository holding `.taskmaster/docs`; default: the repository itself */
  docsRepository: repositoryUrl.optional(),
  docsProjectDirectory: relativePath.optional(),
  docsBranch: branch.optional(),
};

export const runDefaultsSchema = z.strictObject(runDefaults);
export type RunDefaults = z.infer<typeof runDefaultsSchema>;

const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const repositoryRuleSchema = z.strictObject({
  /** glob(s) on `owner/name`, case-insensitive, e.g. `5dlabs/*` */
  match: globs,
  ...runDefaults,
});
export type RepositoryRule = z.infer<typeof repositoryRuleSchema>;

export const alertRouteSchema = z.strictObject({
  /** label name → glob; every listed label must match */
  labels: z.record(z.string().min(1), z.string()).prefault({}),
  /** repository URL or `owner/name` (then cloned from github.host per `auth`) */
  repository: z
    .string()
    .refine(
      (v) => REPOSITORY_URL_RE.test(v) || OWNER_REPO_RE.test(v),
      "must be a repository URL or owner/name",
    )
    .optional(),
  /** Task Master id given to alert runs; default 0 (the alert is the task) */
  taskId: z.number().int().min(0).max(1_000_000).optional(),
  ...runDefaults,
});
export type AlertRoute = z.infer<typeof alertRouteSchema>;

export const rulesSchema = z.strictObject({
  /** applied under every repository rule and alert route */
  defaults: runDefaultsSchema.prefault({}),
  /** first match wins; a repository matching no rule triggers nothing */
  repositories: z.array(repositoryRuleSchema).prefault([]),
  github: z
    .strictObject({
      /** host used to build clone URLs from `owner/name` */
      host: z
        .string()
        .regex(/^[a-zA-Z0-9.-]+$/, "must be a host name")
        .default("github.com"),
      /** slash command prefix in comments */
      command: z
        .string()
        .regex(/^\/[a-z][a-z0-9-]*$/, "must look like /orchestrator")
        .default("/orchestrator"),
      /** label name → kind of run it starts */
      labels: z.record(z.string().min(1), z.enum(RUN_KINDS)).default({
        "orchestrator:docs": "docs",
        "orchestrator:code": "code",
      }),
      /** comment authors with these associations may trigger */
      trustedAssociations: z.array(z.enum(AUTHOR_ASSOCIATIONS)).default(["OWNER", "MEMBER", "COLLABORATOR"]),
      /** logins trusted whatever their association */
      allowedUsers: z.array(z.string().min(1)).default([]),
      /** bot logins (e.g. `renovate[bot]`) that may trigger; other bots are ignored */
      allowedBots: z.array(z.string().min(1)).default([]),
      /** the orchestrator's own logins: their comments never trigger anything */
      selfLogins: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  grafana: z
    .strictObject({
      /** runs per alert rule (ruleUID or alertname) per window; 0 = unlimited */
      maxRunsPerRule: z.number().int().min(0).default(3),
      /** window of maxRunsPerRule, e.g. 1h */
      capWindow: env.duration("1h"),
      /** first match wins; alerts with orchestrator_service / orchestrator_repository labels need none */
      routes: z.array(alertRouteSchema).prefault([]),
    })
    .prefault({}),
});

export type Rules = z.infer<typeof rulesSchema>;
