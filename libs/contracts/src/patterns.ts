import { z } from "zod";

/**
 * Strict patterns for every value that can end up in a shell script, a Kubernetes name or a label.
 * Ingress rejects anything else before a run is queued; the renderer shell-quotes it on top.
 */

/** `git@host:org/repo(.git)`, `ssh://git@host(:port)/org/repo(.git)` or `https://host/org/repo(.git)`. */
export const REPOSITORY_URL_RE =
  /^(?:git@[a-zA-Z0-9.-]+:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?(?:\.git)?|ssh:\/\/git@[a-zA-Z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?(?:\.git)?|https:\/\/[a-zA-Z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?(?:\.git)?)$/;

/** Git branch names: no leading `-` (option injection), no `..`, no shell or ref metacharacters. */
export const BRANCH_RE = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]{1,200}(?<![./])$/;

/** Service names become PVC names (`workspace-<service>`) and labels. */
export const SERVICE_RE = /^[a-z0-9-]{1,63}$/;

/** A relative path inside the repository: no absolute paths, no `..`, no leading `-`. */
export const RELATIVE_PATH_RE = /^(?!-)(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._/-]{1,255}$|^\.$/;

/** GitHub logins (and the secret-name suffix derived from them). */
export const GITHUB_USER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** Model ids or aliases: `claude-sonnet-4-20250514`, `opus`. */
export const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** MCP tool names. */
export const TOOL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Environment variable names. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** Kubernetes object names (DNS-1123 subdomain, kept to a label's length). */
export const K8S_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Container image tags. */
export const IMAGE_TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Kubernetes resource quantities such as `500m`, `2`, `4Gi`. */
export const QUANTITY_RE = /^[0-9]+(?:\.[0-9]+)?(?:m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

export const repositoryUrl = z
  .string()
  .regex(
    REPOSITORY_URL_RE,
    "must be git@host:org/repo(.git), ssh://git@host/org/repo or https://host/org/repo(.git)",
  );
export const branch = z
  .string()
  .regex(BRANCH_RE, "must be a plain git branch name (letters, digits, . _ / -, not starting with -)");
export const service = z.string().regex(SERVICE_RE, "must match ^[a-z0-9-]{1,63}$");
export const relativePath = z
  .string()
  .regex(RELATIVE_PATH_RE, "must be a relative path inside the repository (no .., no leading / or -)");
export const githubUser = z.string().regex(GITHUB_USER_RE, "must be a GitHub login (letters, digits, -)");
export const model = z.string().regex(MODEL_RE, "must be a model id or alias (letters, digits, . _ : -)");
export const toolName = z.string().regex(TOOL_NAME_RE, "must be an MCP tool name (letters, digits, _ . -)");
export const envName = z.string().regex(ENV_NAME_RE, "must be an environment variable name");
export const k8sName = z
  .string()
  .regex(K8S_NAME_RE, "must be a Kubernetes name (lowercase letters, digits, -)");
export const quantity = z.string().regex(QUANTITY_RE, "must be a Kubernetes quantity such as 500m, 2 or 4Gi");

/** How the agent authenticates to git, decided by the repository URL alone. */
export function authKindFor(url: string): "ssh" | "https" {
  return url.startsWith("https://") ? "https" : "ssh";
}

/** The Kubernetes secret that holds a GitHub user's credentials for a repository URL. */
export function authSecretName(url: string, user: string): string {
  return `${authKindFor(url) === "ssh" ? "github-ssh" : "github-pat"}-${user.toLowerCase()}`;
}
