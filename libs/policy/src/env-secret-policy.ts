/**
 * Which Kubernetes Secrets a request's `envFromSecrets` may mount into the agent. The operator lists
 * them in `ALLOWED_ENV_SECRETS`; the orchestrator's own Secrets and the GitHub credential Secrets are
 * refused whatever the list says.
 */

/** `ALLOWED_ENV_SECRETS` when unset: Secrets named `agent-…`, created for agents on purpose. */
export const DEFAULT_ALLOWED_ENV_SECRETS: readonly string[] = ["agent-*"];

/**
 * Secrets no request may mount, whatever `ALLOWED_ENV_SECRETS` says: the services' own Secrets
 * (`orchestrator-watcher` holds the GitHub App key, `orchestrator-ingress` the API tokens,
 * `orchestrator-redis` the queue), the per-user GitHub credentials, which only the orchestrator
 * mounts (for the run's `githubUser`), and the per-run GitHub App token Secrets
 * (`<kind>-<runId>-github-token`, runTokenSecretName in @orchestrator/kube): another run's token
 * covers repositories this request may not be allowed.
 */
export const REFUSED_ENV_SECRETS: readonly string[] = [
  "orchestrator-*",
  "github-ssh-*",
  "github-pat-*",
  "code-*-github-token",
  "docs-*-github-token",
];

const ENTRY_RE = /^[a-z0-9*](?:[-a-z0-9.*]{0,251}[a-z0-9*])?$/;

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

/**
 * `ALLOWED_ENV_SECRETS`: comma- or space-separated Secret names or `*` globs (`agent-*`, `trader-db`,
 * `*` for any). Empty or unset → `agent-*`. Throws naming the bad entry.
 */
export function parseAllowedEnvSecrets(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
  if (entries.length === 0) return [...DEFAULT_ALLOWED_ENV_SECRETS];
  for (const entry of entries) {
    if (!ENTRY_RE.test(entry)) {
      throw new Error(
        `ALLOWED_ENV_SECRETS entry ${JSON.stringify(entry)} must be a Secret name or a * glob such as agent-*`,
      );
    }
  }
  return [...new Set(entries)];
}

/** Which rule refuses mounting Secret `name`, or undefined when the allow-list admits it. */
export function envSecretRefusal(
  name: string,
  allowed: readonly string[],
): "credential-secrets" | "ALLOWED_ENV_SECRETS" | undefined {
  const lower = name.toLowerCase();
  if (REFUSED_ENV_SECRETS.some((glob) => globRe(glob).test(lower))) return "credential-secrets";
  if (!allowed.some((glob) => globRe(glob).test(lower))) return "ALLOWED_ENV_SECRETS";
  return undefined;
}
