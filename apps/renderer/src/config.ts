import { readFileSync } from "node:fs";
import { commonEnv, type Env, env, loadConfig } from "@orchestrator/config";
import { parseAllowedGitHosts } from "@orchestrator/contracts";
import type { RendererSettings } from "@orchestrator/render";
import { z } from "zod";

export const rendererEnvSchema = z.object({
  ...commonEnv,
  /** Port of /health, /ready and /metrics. */
  HEALTH_PORT: env.port(8081),
  /** Bind address of the health server. */
  HEALTH_HOST: z.string().min(1).default("0.0.0.0"),
  /** Template directory: `templates/` layout or a flattened ConfigMap mount (`code_container.sh.hbs`). Default: the repository's `templates/`. */
  TEMPLATES_DIR: z.string().optional(),
  /** Reload templates when the files change (ConfigMap updates). */
  TEMPLATES_WATCH: env.boolean(true),
  /** MCP tool server (Toolman) URL written into mcp.json. */
  TOOLMAN_SERVER_URL: z.string().url().default("http://toolman.mcp.svc.cluster.local:3000/mcp"),
  /** Runs rendered at once. */
  RENDER_CONCURRENCY: env.positiveInt(4),
  /** Git hosts that may receive the GitHub token (plain host names, comma- or space-separated). */
  ALLOWED_GIT_HOSTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseAllowedGitHosts(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** known_hosts file pinning the SSH host keys (GitHub Enterprise); default: GitHub's published keys. */
  SSH_KNOWN_HOSTS_FILE: z.string().min(1).optional(),
});
export type RendererConfig = z.infer<typeof rendererEnvSchema>;

export function loadRendererConfig(source: Env): RendererConfig {
  return loadConfig(rendererEnvSchema, source);
}

/** The template renderer's settings from the service's configuration (reads SSH_KNOWN_HOSTS_FILE). */
export function rendererSettingsFrom(config: RendererConfig): RendererSettings {
  return {
    toolmanServerUrl: config.TOOLMAN_SERVER_URL,
    allowedGitHosts: config.ALLOWED_GIT_HOSTS,
    ...(config.SSH_KNOWN_HOSTS_FILE
      ? { sshKnownHosts: readFileSync(config.SSH_KNOWN_HOSTS_FILE, "utf8") }
      : {}),
  };
}
