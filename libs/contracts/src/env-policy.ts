/**
 * The trust-boundary rules for values a request may put into the agent's environment and for git
 * hosts that may receive credentials. One definition, used by the ingress (refuses at the edge), the
 * renderer (re-checks inside the agent script) and the local runtime.
 */

/** Request env names: upper case, digits and `_`, starting with a letter, at most 64 characters. */
export const REQUEST_ENV_NAME_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Names (or `*` globs) a request may never set: they steer the shell, the loader, git, ssh, TLS,
 * language runtimes and package managers (code loaded at start: `OPENSSL_CONF` providers,
 * `JAVA_TOOL_OPTIONS` agents, `DOTNET_STARTUP_HOOKS`, `LUA_INIT`, …), proxies, Claude or the
 * orchestrator's own script. Globs are matched against the upper-cased name (so `COMPLUS_*` covers
 * .NET's `COMPlus_*`); the agent script re-checks the request's names against the same list.
 */
export const DENIED_ENV_GLOBS: readonly string[] = [
  // shell (BASH_ENV first: the script names the first entry a name matches)
  "BASH_ENV",
  "BASH_*",
  "BASHOPTS",
  "ENV",
  "SHELLOPTS",
  "PS0",
  "PS1",
  "PS2",
  "PS3",
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
  "HISTFILE",
  "INPUTRC",
  "TERMINFO*",
  "BROWSER",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "LESS*",
  // loader, libc, locale files
  "LD_*",
  "GLIBC_TUNABLES",
  "MALLOC_*",
  "GCONV_PATH",
  "LOCPATH",
  "NLSPATH",
  "TZDIR",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "RES_OPTIONS",
  // git, ssh, GitHub, TLS, network tools
  "GIT_*",
  "SSH_*",
  "GH_*",
  "GITHUB_TOKEN",
  "GNUPGHOME",
  "*_PROXY",
  "CURL_CA_BUNDLE",
  "CURL_HOME",
  "SSL_CERT_*",
  "SSLKEYLOGFILE",
  "OPENSSL_*",
  "REQUESTS_CA_BUNDLE",
  "NETRC",
  "WGETRC",
  "KUBECONFIG",
  "DOCKER_*",
  "AWS_ENDPOINT_URL*",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CA_BUNDLE",
  "XDG_*",
  "OTEL_*",
  "DEBUG",
  // language runtimes and package managers (code loaded at start, registries, build wrappers)
  "NODE_*",
  "NPM_*",
  "YARN_*",
  "PNPM_*",
  "COREPACK_*",
  "PYTHON*",
  "PIP_*",
  "UV_*",
  "PERL*",
  "RUBY*",
  "GEM_*",
  "BUNDLE_*",
  "LUA_*",
  "TCL*",
  "PHPRC",
  "PHP_INI_SCAN_DIR",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "CLASSPATH",
  "MAVEN_OPTS",
  "GRADLE_OPTS",
  "DOTNET_*",
  "CORECLR_*",
  "COMPLUS_*",
  "RUSTC",
  "RUSTC_WRAPPER",
  "RUSTFLAGS",
  "CARGO_*",
  "GOFLAGS",
  "GOPROXY",
  "GONOPROXY",
  "GOSUMDB",
  "GONOSUMDB",
  "GONOSUMCHECK",
  "GOPRIVATE",
  "GOINSECURE",
  "GOENV",
  "GOTOOLCHAIN",
  // Claude, MCP and the orchestrator's own script
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

/**
 * Why a request env name is refused, or undefined when it is acceptable. The answer never repeats
 * the name (a refused name may itself be a pasted credential): callers name the field and index.
 */
export function requestEnvNameProblem(name: string): string | undefined {
  if (!REQUEST_ENV_NAME_RE.test(name)) return `env name must match ${REQUEST_ENV_NAME_RE.source}`;
  const glob = deniedEnvGlob(name);
  if (glob !== undefined) return `env name is reserved (deny-list entry ${glob})`;
  return undefined;
}

/** Values that look like credentials, refused wherever they appear in a request. */
export const SECRET_VALUE_PATTERNS: readonly { kind: string; re: RegExp }[] = [
  // no left word boundary: `TOKEN_ghp_…` or `xghp_…` still carry the token
  { kind: "GitHub token", re: /(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: "Anthropic API key", re: /sk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: "Slack token", re: /xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: "AWS access key id", re: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/ },
  { kind: "private key", re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "JSON Web Token", re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];

const JOINERS_RE = /[\u200c\u200d]/g;

/** Runs long enough to hide a credential in base64 (standard or URL-safe alphabet). */
const BASE64_RUN_RE = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
/** At most this many base64 runs of one string are decoded (each at most this long). */
const MAX_BASE64_RUNS = 64;
const MAX_BASE64_RUN_LENGTH = 64 * 1024;

function plainSecretKind(value: string): string | undefined {
  return SECRET_VALUE_PATTERNS.find(({ re }) => re.test(value))?.kind;
}

/**
 * The kind of credential a string looks like, or undefined: checked as is and, for runs of 40 or
 * more base64 characters, once decoded (`eC1hY2Nlc3MtdG9rZW46Z2hwX…` is `x-access-token:ghp_…`).
 */
export function secretLookingValue(input: string): string | undefined {
  // ZWNJ/ZWJ are allowed (emoji sequences, Indic and Persian text) but must not split a token
  const value = input.replace(JOINERS_RE, "");
  const plain = plainSecretKind(value);
  if (plain) return plain;
  let runs = 0;
  for (const match of value.matchAll(BASE64_RUN_RE)) {
    if (++runs > MAX_BASE64_RUNS) break;
    const run = match[0].slice(0, MAX_BASE64_RUN_LENGTH);
    // decode from the run's start and from the next three offsets (the run may start mid-group)
    for (let shift = 0; shift < 4; shift++) {
      const decoded = Buffer.from(run.slice(shift), "base64").toString("latin1");
      const kind = plainSecretKind(decoded);
      if (kind) return `${kind} (base64-encoded)`;
    }
  }
  return undefined;
}

/**
 * Characters refused in every string of a request: C0 controls other than tab, newline and carriage
 * return; DEL and the C1 controls (U+0080–U+009F, e.g. the CSI escape U+009B); zero-width and
 * invisible characters (U+200B, U+200E–U+200F, U+2060–U+2064, U+FEFF; the joiners U+200C/U+200D
 * stay allowed, as emoji sequences and Indic/Persian text need them, and are ignored by
 * {@link secretLookingValue}); line/paragraph separators
 * (U+2028–U+2029); bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069); and
 * Unicode tag characters (U+E0000–U+E007F), which hide text from a reader but not from a model.
 */
export const CONTROL_CHAR_RE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

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
