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

// a refused env name is named by its index (`env[0]`), never by itself: it may be a pasted token
const envCase = (name: string, value = "x"): PolicyCase => ({
  name: `env name ${name}`,
  change: { env: { [name]: value } },
  status: 400,
  reason: "env_name",
  names: "env[0]",
});

const secretMountCase = (secretName: string, secretKey: string, rule: string): PolicyCase => ({
  name: `envFromSecrets mounting Secret ${secretName}`,
  change: { envFromSecrets: [{ name: "NOTES", secretName, secretKey }] },
  status: 403,
  reason: "env_secret",
  names: rule,
});

const secretValueCase = (what: string, value: string): PolicyCase => ({
  name: `${what} as an env value`,
  change: { env: { NOTES: value } },
  status: 422,
  reason: "secret_value",
  names: "env.NOTES",
});

const invisibleCase = (what: string, text: string): PolicyCase => ({
  name: `${what} in the prompt modification`,
  change: { promptModification: `fix it ${text}` },
  status: 400,
  reason: "control_character",
  names: "promptModification",
});

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

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
  envCase("OPENSSL_CONF", "/tmp/evil.cnf"),
  envCase("JAVA_TOOL_OPTIONS", "-javaagent:/tmp/evil.jar"),
  envCase("DOTNET_STARTUP_HOOKS", "/tmp/evil.dll"),
  envCase("GLIBC_TUNABLES", "glibc.malloc.check=3"),
  envCase("RUSTC_WRAPPER", "/tmp/evil"),
  envCase("PIP_INDEX_URL", "https://attacker.example/simple"),
  envCase("BASH_XTRACEFD", "1"),
  envCase("XDG_CONFIG_HOME", "/tmp/evil"),
  envCase("SSLKEYLOGFILE", "/tmp/keys"),
  envCase("LUA_INIT", "os.execute('id')"),
  {
    name: "GitHub token as an env name",
    change: { env: { [LEAKED_TOKEN]: "x" } },
    status: 422,
    reason: "secret_value",
    names: "env[0]",
  },
  {
    name: "AWS access key id as an env name",
    // keys in sorted order: a CR's keys come back sorted from the API server
    change: { env: { AA_FEATURE: "1", AKIAIOSFODNN7EXAMPLE: "x" } },
    status: 422,
    reason: "secret_value",
    names: "env[1]",
  },
  {
    name: "GitHub token as an envFromSecrets name",
    change: { envFromSecrets: [{ name: LEAKED_TOKEN, secretName: "agent-db", secretKey: "url" }] },
    status: 422,
    reason: "secret_value",
    names: "envFromSecrets.0.name",
  },
  secretMountCase("orchestrator-watcher", "GITHUB_APP_PRIVATE_KEY", "credential-secrets"),
  secretMountCase("orchestrator-ingress", "API_TOKENS", "credential-secrets"),
  secretMountCase("orchestrator-redis", "REDIS_URL", "credential-secrets"),
  secretMountCase("anthropic-api-key", "api-key", "ALLOWED_ENV_SECRETS"),
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
  secretValueCase("GitHub token after a word (TOKEN_ghp_…)", `TOKEN_${LEAKED_TOKEN}`),
  secretValueCase(
    "base64 of x-access-token:<GitHub token>",
    Buffer.from(`x-access-token:${LEAKED_TOKEN}`).toString("base64"),
  ),
  secretValueCase("JWT glued to a word", `x${JWT}`),
  secretValueCase("PGP private key block", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc"),
  invisibleCase("a C1 control (CSI)", "\u009b31mRED"),
  invisibleCase("a bidi override", "\u202eevil"),
  invisibleCase("a line separator", "\u2028x"),
  invisibleCase("Unicode tag characters", "\u{E0041}\u{E0042}hidden"),
  invisibleCase("a token split by zero-width spaces", LEAKED_TOKEN.split("").join("\u200b")),
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
  callbackCase("http://[::7f00:1]/hook"),
  callbackCase("http://[::a9fe:a9fe]/latest/meta-data/"),
  callbackCase("http://[fec0::1]/hook"),
];
