import { commonEnv, type Env, env, loadConfig } from "@orchestrator/config";
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
});
export type RendererConfig = z.infer<typeof rendererEnvSchema>;

export function loadRendererConfig(source: Env): RendererConfig {
  return loadConfig(rendererEnvSchema, source);
}
