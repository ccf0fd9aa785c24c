/**
 * The trust-boundary rules for values a request may put into the agent's environment and for git
 * hosts that may receive credentials. One definition, used by the ingress (refuses at the edge), the
 * renderer (re-checks inside the agent script) and the local runtime.
 */

/** Request env names: upper case, digits and `_`, starting with a letter, at most 64 characters. */
export const REQUEST_ENV_NAME_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Names (or `*` globs) a request may never set: they steer the shell, the loader, git, ssh, node,
 * python, proxies, Claude or the orchestrator's own script.
 */
export const DENIED_ENV_GLOBS: readonly string[] = [
  "BASH_ENV",
  "ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "BASH_FUNC_*",
  "PS1",
  "PS2",
  "PS4",
  "PROMPT_COMMAND",
  "IFS",
  "CDPATH",
  "GLOBIGNORE",
  "PATH",
  "HOME",
  "SHELL",
  "USER",
  "TMPDIR",
  "LD_*",
  "GCONV_PATH",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "RES_OPTIONS",
  "GIT_*",
  "SSH_*",
  "GH_*",
  "GITHUB_TOKEN",
  "NODE_*",
  "NPM_CONFIG_*",
  "PYTHON*",
  "PERL5*",
  "PERLLIB",
  "RUBYOPT",
  "RUBYLIB",
  "*_PROXY",
  "CURL_CA_BUNDLE",
  "SSL_CERT_*",
  "REQUESTS_CA_BUNDLE",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "LESSOPEN",
  "ANTHROPIC_*",
  "CLAUDE_*",
  "MCP_*",
  "ORCH_*",
];

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${body}$`);
}

const DENIED_ENV_RES = DENIED_ENV_GLOBS.map((glob) => ({ glob, re: globToRegExp(glob) }));

/** The deny-list entry a name matches, or undefined when the name is allowed. */
export function deniedEnvGlob(name: string): string | undefined {
  const upper = name.toUpperCase();
  return DENIED_ENV_RES.find(({ re }) => re.test(upper))?.glob;
}

/** Why a request env name is refused, or undefined when it is acceptable. */
export function requestEnvNameProblem(name: string): string | undefined {
  if (!REQUEST_ENV_NAME_RE.test(name))
    return `env name ${JSON.stringify(name)} must match ${REQUEST_ENV_NAME_RE.source}`;
  const glob = deniedEnvGlob(name);
  if (glob !== undefined) return `env name ${name} is reserved (deny-list entry ${glob})`;
  return undefined;
}

/** Values that look like credentials, refused wherever they appear in a request. */
export const SECRET_VALUE_PATTERNS: readonly { kind: string; re: RegExp }[] = [
  { kind: "GitHub token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: "Anthropic API key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: "Slack token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: "AWS access key id", re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { kind: "private key", re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { kind: "JSON Web Token", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];

/** The kind of credential a string looks like, or undefined. */
export function secretLookingValue(value: string): string | undefined {
  return SECRET_VALUE_PATTERNS.find(({ re }) => re.test(value))?.kind;
}

/** Control characters (NUL, escapes, …) other than tab, newline and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
export const CONTROL_CHAR_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The default git host that may receive credentials. */
export const DEFAULT_GIT_HOSTS: readonly string[] = ["github.com"];

const GIT_HOST_RE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `ALLOWED_GIT_HOSTS`: comma- or space-separated plain host names (no scheme, no port), lower-cased.
 * Empty or unset → `github.com`. Throws naming the bad entry.
 */
export function parseAllowedGitHosts(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return [...DEFAULT_GIT_HOSTS];
  for (const entry of entries) {
    if (!GIT_HOST_RE.test(entry)) {
      throw new Error(
        `ALLOWED_GIT_HOSTS entry ${JSON.stringify(entry)} must be a plain host name such as github.example.com (no scheme, no port)`,
      );
    }
  }
  return [...new Set(entries)];
}

/** The host part of a repository URL (`git@host:…`, `ssh://git@host:22/…`, `https://host/…`), lower-cased. */
export function repositoryHost(url: string): string | undefined {
  const scp = /^git@([^:/]+):/.exec(url);
  if (scp) return scp[1]?.toLowerCase();
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}
