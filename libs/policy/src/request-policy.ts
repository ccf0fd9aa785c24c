import {
  CONTROL_CHAR_RE,
  fieldPath,
  requestEnvNameProblem,
  secretLookingValue,
} from "@orchestrator/contracts";
import { DEFAULT_ALLOWED_ENV_SECRETS, envSecretRefusal } from "./env-secret-policy.js";
import { PolicyRefusedError } from "./policy-refused-error.js";

interface Found {
  /** how a message names the string: `env.NOTES`, `envFromSecrets.0.name`, or `env[2]` for a key */
  field(): string;
  value: string;
}

/**
 * Every string in a request with the path a message may show. Keys are strings too, and are named
 * by their index (`env[2]`), never by themselves: a key may be a pasted credential. The path is only
 * worked out for a string that is refused (it is on every request's hot path).
 */
function strings(root: unknown): Found[] {
  const found: Found[] = [];
  const walk = (value: unknown, segments: (string | number)[]): void => {
    if (segments.length > 20) return;
    if (typeof value === "string") found.push({ field: () => fieldPath(segments, root), value });
    else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i], [...segments, i]);
    } else if (typeof value === "object" && value !== null) {
      let i = 0;
      for (const key of Object.keys(value)) {
        const index = i++;
        found.push({ field: () => keyField(segments, index, root), value: key });
        walk((value as Record<string, unknown>)[key], [...segments, key]);
      }
    }
  };
  walk(root, []);
  return found;
}

const keyField = (segments: (string | number)[], index: number, root: unknown) =>
  `${segments.length > 0 ? fieldPath(segments, root) : ""}[${index}]`;

/**
 * What a run request may contain, whatever its source: no control or invisible characters in any
 * string (400), no credential-looking value or key anywhere (422), env names that match the request
 * env rules (400), `envFromSecrets` only from Secrets `ALLOWED_ENV_SECRETS` admits and never the
 * orchestrator's own or the GitHub credential Secrets (403). A refusal names the field (a key by its
 * index) and the rule, never the refused value or name.
 * @throws PolicyRefusedError
 */
export function checkRequestContent(
  request: unknown,
  allowedEnvSecrets: readonly string[] = DEFAULT_ALLOWED_ENV_SECRETS,
): void {
  const found = strings(request);
  for (const { field: fieldOf, value } of found) {
    if (CONTROL_CHAR_RE.test(value)) {
      const field = fieldOf();
      throw new PolicyRefusedError(
        400,
        "control_character",
        field,
        "control-characters",
        `${field}: contains a control or invisible character (NUL, escape, bidi override, zero-width, …); refused by the control-characters rule`,
      );
    }
  }
  for (const { field: fieldOf, value } of found) {
    const kind = secretLookingValue(value);
    if (kind) {
      const field = fieldOf();
      throw new PolicyRefusedError(
        422,
        "secret_value",
        field,
        "secret-values",
        `${field}: looks like a ${kind}; credentials may not appear in a request (it is stored and shown in plain text): use envFromSecrets with a Kubernetes Secret. Refused by the secret-values rule`,
      );
    }
  }
  const record = isRecord(request) ? request : {};
  const env = record["env"];
  if (isRecord(env)) {
    for (const [i, name] of Object.keys(env).entries()) {
      const problem = requestEnvNameProblem(name);
      if (problem) throw envNameRefusal(`env[${i}]`, problem);
    }
  }
  const fromSecrets = record["envFromSecrets"];
  if (Array.isArray(fromSecrets)) {
    for (const [i, entry] of fromSecrets.entries()) {
      if (!isRecord(entry)) continue;
      const name = entry["name"];
      const problem = typeof name === "string" ? requestEnvNameProblem(name) : undefined;
      if (problem) throw envNameRefusal(`envFromSecrets.${i}.name`, problem);
      const secretName = entry["secretName"];
      if (typeof secretName !== "string") continue;
      const rule = envSecretRefusal(secretName, allowedEnvSecrets);
      if (rule) {
        const field = `envFromSecrets.${i}.secretName`;
        const why =
          rule === "credential-secrets"
            ? "orchestrator-*, github-ssh-*, github-pat-* and the runs' <kind>-<runId>-github-token Secrets hold the orchestrator's own credentials and are never mounted for a request"
            : `the Secret is not in ALLOWED_ENV_SECRETS (${allowedEnvSecrets.join(",")})`;
        throw new PolicyRefusedError(
          403,
          "env_secret",
          field,
          rule,
          `${field}: ${why}; refused by the ${rule} rule`,
        );
      }
    }
  }
}

function envNameRefusal(field: string, problem: string): PolicyRefusedError {
  return new PolicyRefusedError(
    400,
    "env_name",
    field,
    "env-names",
    `${field}: ${problem}; refused by the env-names rule`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
