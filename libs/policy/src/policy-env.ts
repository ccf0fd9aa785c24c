import { parseAllowedGitHosts } from "@orchestrator/contracts";
import { z } from "zod";
import { parseCallbackAllowedHosts } from "./callback-policy.js";
import { parseAllowedEnvSecrets } from "./env-secret-policy.js";

function parsed(parse: (value: string | undefined) => string[]) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parse(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    });
}

/** The policy's environment variables, shared by every service that enforces it (ingress, watcher). */
export const policyEnv = {
  /**
   * Git hosts that may receive credentials and be named by a repository URL (comma-separated host
   * names). Default: github.com. Example: `github.com,github.example.com`.
   */
  ALLOWED_GIT_HOSTS: parsed(parseAllowedGitHosts),
  /**
   * Hosts run callbacks may go to (exact names or `*.suffix`, comma-separated); listed hosts may be
   * private. Unset: callbacks only to public addresses. Example: `hooks.example.com,*.svc.cluster.local`.
   */
  CALLBACK_ALLOWED_HOSTS: parsed(parseCallbackAllowedHosts),
  /**
   * Kubernetes Secrets a request's `envFromSecrets` may mount (comma-separated names or `*` globs).
   * Default: `agent-*`. `orchestrator-*`, `github-ssh-*`, `github-pat-*` are refused whatever it says.
   * Example: `agent-*,trader-db`.
   */
  ALLOWED_ENV_SECRETS: parsed(parseAllowedEnvSecrets),
};
