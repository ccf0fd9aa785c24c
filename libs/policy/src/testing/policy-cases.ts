import type { RefusalReason } from "../policy-refused-error.js";

/**
 * The trust-boundary attacks of issue 10 as one table, run against every source through its real
 * entry point (API, PM aliases, CLI, MCP, GitHub, Grafana, kubectl-applied CRs). Each source maps a
 * case's `change` onto what it can express (an alert can only set labels, a CR its spec, …).
 */

/** Rules the policy tests run with: `acme/*` (two users allowed) and the webhook examples' repository. */
export const POLICY_RULES_YAML = `
defaults:
  githubUser: claude-agent-1
  auth: https
repositories:
  - match: "acme/*"
    users: [claude-agent-1, claude-agent-2]
  - match: "codertocat/*"
    auth: ssh
    service: hello
    docsRepository: git@github.com:acme/docs.git
grafana:
  maxRunsPerRule: 0
`;

/** A request the policy allows (code run); every case changes one thing of it. */
export const ALLOWED_CODE_RUN = {
  kind: "code",
  repositoryUrl: "https://github.com/acme/app.git",
  docsRepositoryUrl: "https://github.com/acme/app.git",
  githubUser: "claude-agent-1",
  service: "app",
  taskId: 1,
} as const;

/** A credential-looking value; it must never reach Redis, an answer or a log. */
export const LEAKED_TOKEN = `ghp_${"Zq7x".repeat(9)}`;

export interface PolicyChange {
  repositoryUrl?: string;
  docsRepositoryUrl?: string;
  githubUser?: string;
  env?: Record<string, string>;
  envFromSecrets?: { name: string; secretName: string; secretKey: string }[];
  callbackUrl?: string;
  promptModification?: string;
}

export interface PolicyCase {
  name: string;
  change: PolicyChange;
  status: 400 | 403 | 422;
  reason: RefusalReason;
  /** what the refusal must name (the rule or field) */
  names: string;
}

const envCase = (name: string, value = "x"): PolicyCase => ({
  name: `env name ${name}`,
  change: { env: { [name]: value } },
  status: 400,
  reason: "env_name",
  names: `env.${name}`,
});

const callbackCase = (url: string): PolicyCase => ({
  name: `callback to ${url}`,
  change: { callbackUrl: url },
  status: 422,
  reason: "callback_url",
  names: "callbackUrl",
});

export const POLICY_CASES: readonly PolicyCase[] = [
  {
    name: "repository on a foreign host",
    change: { repositoryUrl: "https://attacker.example/acme/app.git" },
    status: 403,
    reason: "git_host",
    names: "ALLOWED_GIT_HOSTS",
  },
  {
    name: "docs repository on a foreign host over ssh",
    change: { docsRepositoryUrl: "git@attacker.example:acme/docs.git" },
    status: 403,
    reason: "git_host",
    names: "ALLOWED_GIT_HOSTS",
  },
  {
    name: "repository no rule allows",
    change: { repositoryUrl: "https://github.com/otherorg/secret.git" },
    status: 403,
    reason: "repository",
    names: "repositories",
  },
  {
    name: "GitHub user the rule does not list",
    change: { githubUser: "someone-else" },
    status: 403,
    reason: "github_user",
    names: "repositories[match=acme/*]",
  },
  envCase("BASH_ENV", "$(touch /tmp/pwned)"),
  envCase("GIT_CONFIG_COUNT", "1"),
  envCase("SHELLOPTS", "xtrace"),
  envCase("PS4", "$(id)"),
  envCase("PATH", "/tmp/evil"),
  envCase("LD_PRELOAD", "/tmp/evil.so"),
  envCase("NODE_OPTIONS", "--require /tmp/evil.js"),
  {
    name: "envFromSecrets naming a GitHub credential Secret",
    change: {
      envFromSecrets: [{ name: "STOLEN", secretName: "github-pat-claude-agent-1", secretKey: "token" }],
    },
    status: 403,
    reason: "env_secret",
    names: "envFromSecrets.0.secretName",
  },
  {
    name: "GitHub token under an innocent env name",
    change: { env: { NOTES: LEAKED_TOKEN } },
    status: 422,
    reason: "secret_value",
    names: "env.NOTES",
  },
  {
    name: "GitHub token in the prompt modification",
    change: { promptModification: `use ${LEAKED_TOKEN} to push` },
    status: 422,
    reason: "secret_value",
    names: "promptModification",
  },
  {
    name: "NUL byte in an env value",
    change: { env: { NOTES: "a\u0000b" } },
    status: 400,
    reason: "control_character",
    names: "env.NOTES",
  },
  callbackCase("http://127.0.0.1:9/hook"),
  callbackCase("http://10.1.2.3/hook"),
  callbackCase("http://169.254.169.254/latest/meta-data/"),
  callbackCase("http://[::1]/hook"),
  callbackCase("http://[::ffff:7f00:1]/hook"),
];
