import { z } from "zod";

/** Where a run came from. Metadata only: never a token, a signature or a whole payload. */
export const githubSourceSchema = z.object({
  type: z.literal("github"),
  deliveryId: z.string(),
  hookId: z.string().optional(),
  event: z.string(),
  action: z.string().optional(),
  /** `owner/name` */
  repository: z.string(),
  /** issue or pull request number the run was triggered from */
  number: z.number().int().optional(),
  isPullRequest: z.boolean().optional(),
  commentId: z.number().int().optional(),
  sender: z.string(),
  htmlUrl: z.string().optional(),
  installationId: z.number().int().optional(),
});

export const grafanaSourceSchema = z.object({
  type: z.literal("grafana"),
  /** "grafana" for unified alerting, "alertmanager" for Alertmanager's webhook */
  flavour: z.enum(["grafana", "alertmanager"]),
  alertName: z.string(),
  fingerprint: z.string(),
  startsAt: z.string(),
  ruleUid: z.string().optional(),
  generatorUrl: z.string().optional(),
  dashboardUrl: z.string().optional(),
  panelUrl: z.string().optional(),
  receiver: z.string().optional(),
});

export const apiSourceSchema = z.object({
  type: z.literal("api"),
  /** name of the API token used (never the token) */
  actor: z.string().optional(),
  userAgent: z.string().optional(),
});

export const cliSourceSchema = z.object({
  type: z.literal("cli"),
  actor: z.string().optional(),
  userAgent: z.string().optional(),
});

export const kubernetesSourceSchema = z.object({
  type: z.literal("kubernetes"),
  namespace: z.string(),
  /** name of the DocsRun/CodeRun applied with kubectl */
  name: z.string(),
  uid: z.string(),
});

export const runSourceSchema = z.discriminatedUnion("type", [
  githubSourceSchema,
  grafanaSourceSchema,
  apiSourceSchema,
  cliSourceSchema,
  kubernetesSourceSchema,
]);
export type RunSource = z.infer<typeof runSourceSchema>;
export type GithubSource = z.infer<typeof githubSourceSchema>;
export type GrafanaSource = z.infer<typeof grafanaSourceSchema>;
export type RunSourceType = RunSource["type"];
export const RUN_SOURCE_TYPES = ["github", "grafana", "api", "cli", "kubernetes"] as const;
