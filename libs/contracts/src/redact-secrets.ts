const REDACTED = "[REDACTED]";

/**
 * Token-like strings that must never be kept from agent output. Each keeps a recognisable prefix
 * (the token type, the URL scheme, the variable name) so the operator still sees what was there.
 */
const PATTERNS: readonly [RegExp, string][] = [
  // GitHub tokens: classic/OAuth/user/server/refresh, fine-grained PATs
  [/\bgh[opusr]_[A-Za-z0-9]{8,}/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{8,}/g, REDACTED],
  // Anthropic API keys
  [/\bsk-ant-[A-Za-z0-9_-]{8,}/g, REDACTED],
  // credentials in URLs: https://user:pass@host, https://x-access-token:<token>@github.com
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
  // HTTP authorization headers and bearer tokens
  [/\b(authorization:\s*)(?:bearer|token|basic)\s+[^\s"']+/gi, `$1${REDACTED}`],
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, `$1${REDACTED}`],
  // NAME=value for variables that name a secret (ANTHROPIC_API_KEY=…, GH_TOKEN=…, DB_PASSWORD=…)
  [/\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY))=("[^"]*"|'[^']*'|\S+)/g, `$1=${REDACTED}`],
];

/** The text with anything that looks like a token or a credential replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
