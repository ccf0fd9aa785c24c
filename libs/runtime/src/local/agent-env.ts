import { existsSync } from "node:fs";
import { join } from "node:path";
import { secretLookingValue } from "@orchestrator/contracts";

/**
 * What a developer's shell passes to local agents by default (LOCAL_AGENT_ENV): proxies (both cases,
 * as curl, git and node read either), CA bundles, the ssh-agent socket, the git config file and the
 * Claude config directory of a `claude login`.
 */
export const DEFAULT_LOCAL_AGENT_ENV: readonly string[] = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "SSH_AUTH_SOCK",
  "GIT_CONFIG_GLOBAL",
  "CLAUDE_CONFIG_DIR",
];

/**
 * The service's own secrets and connection strings: never given to an agent, whatever LOCAL_AGENT_ENV
 * says. Names that merely end like a credential (`*_TOKEN`, `*_SECRET`, …) are refused too.
 */
const SERVICE_SECRET_NAMES = new Set([
  "API_TOKENS",
  "REDIS_URL",
  "GITHUB_WEBHOOK_SECRETS",
  "GITHUB_WEBHOOK_SECRET",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "CALLBACK_SECRET",
  "GRAFANA_BEARER_TOKENS",
  "GRAFANA_BASIC_AUTH",
  "GRAFANA_HMAC_SECRET",
  "ORCHESTRATOR_TOKEN",
  "ANTHROPIC_API_KEY",
  "KUBECONFIG",
]);
const CREDENTIAL_NAME_RE = /(TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Why a LOCAL_AGENT_ENV entry is refused, or undefined when it may be passed. */
export function localAgentEnvNameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name)) return `${JSON.stringify(name)} is not a variable name`;
  if (SERVICE_SECRET_NAMES.has(name.toUpperCase()) || CREDENTIAL_NAME_RE.test(name))
    return `${name} holds a credential of the service and is never passed to agents`;
  return undefined;
}

/**
 * Parses LOCAL_AGENT_ENV: unset means the defaults, `+A,B` adds to them, `A,B` replaces them, an
 * empty value passes nothing.
 * @throws Error naming LOCAL_AGENT_ENV and the refused entries
 */
export function parseLocalAgentEnv(value: string | undefined): string[] {
  if (value === undefined) return [...DEFAULT_LOCAL_AGENT_ENV];
  const add = value.trim().startsWith("+");
  const names = (add ? value.trim().slice(1) : value)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const problems = names.map(localAgentEnvNameProblem).filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return [...new Set(add ? [...DEFAULT_LOCAL_AGENT_ENV, ...names] : names)];
}

/**
 * The developer's variables named in `names`, as given to local agents. Values that look like a
 * credential are left out. CLAUDE_CONFIG_DIR, when listed and unset, becomes `~/.claude` if a
 * `claude login` left one there.
 */
export function pickAgentEnv(
  names: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === "" || localAgentEnvNameProblem(name)) continue;
    if (secretLookingValue(value) !== undefined) continue;
    picked[name] = value;
  }
  if (names.includes("CLAUDE_CONFIG_DIR") && !picked.CLAUDE_CONFIG_DIR && env.HOME) {
    const dir = join(env.HOME, ".claude");
    if (existsSync(dir)) picked.CLAUDE_CONFIG_DIR = dir;
  }
  return picked;
}
