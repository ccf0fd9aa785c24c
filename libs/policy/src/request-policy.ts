import { CONTROL_CHAR_RE, requestEnvNameProblem, secretLookingValue } from "@orchestrator/contracts";
import { PolicyRefusedError } from "./policy-refused-error.js";

/** Kubernetes Secrets holding GitHub credentials: only the orchestrator mounts them (per githubUser). */
const CREDENTIAL_SECRET_RE = /^github-(?:ssh|pat)-/i;

/** Every string in a value with its dotted path (keys are visited too: a key is a string as well). */
function* strings(value: unknown, path: string, depth = 0): Generator<[string, string]> {
  if (depth > 20) return;
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* strings(item, join(path, String(i)), depth + 1);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      yield [join(path, key), key];
      yield* strings(item, join(path, key), depth + 1);
    }
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key.slice(0, 100)}` : key.slice(0, 100));

/**
 * What a run request may contain, whatever its source: no control characters in any string (400),
 * env names that match the request env rules (400), no `envFromSecrets` naming the GitHub credential
 * Secrets (403), no credential-looking value anywhere (422). The value itself is never echoed.
 * @throws PolicyRefusedError
 */
export function checkRequestContent(request: unknown): void {
  for (const [field, value] of strings(request, "")) {
    if (CONTROL_CHAR_RE.test(value)) {
      throw new PolicyRefusedError(
        400,
        "control_character",
        field,
        "control-characters",
        `${field}: contains a control character (NUL, escape, …); refused by the control-characters rule`,
      );
    }
  }
  const record = isRecord(request) ? request : {};
  const env = record["env"];
  if (isRecord(env)) {
    for (const name of Object.keys(env)) {
      const problem = requestEnvNameProblem(name);
      if (problem) {
        const field = `env.${name.slice(0, 100)}`;
        throw new PolicyRefusedError(
          400,
          "env_name",
          field,
          "env-names",
          `${field}: ${problem}; refused by the env-names rule`,
        );
      }
    }
  }
  const fromSecrets = record["envFromSecrets"];
  if (Array.isArray(fromSecrets)) {
    for (const [i, entry] of fromSecrets.entries()) {
      if (!isRecord(entry)) continue;
      const name = entry["name"];
      const problem = typeof name === "string" ? requestEnvNameProblem(name) : undefined;
      if (problem) {
        const field = `envFromSecrets.${i}.name`;
        throw new PolicyRefusedError(
          400,
          "env_name",
          field,
          "env-names",
          `${field}: ${problem}; refused by the env-names rule`,
        );
      }
      const secretName = entry["secretName"];
      if (typeof secretName === "string" && CREDENTIAL_SECRET_RE.test(secretName)) {
        throw new PolicyRefusedError(
          403,
          "env_secret",
          `envFromSecrets.${i}.secretName`,
          "credential-secrets",
          `envFromSecrets.${i}.secretName: github-ssh-*/github-pat-* Secrets hold GitHub credentials and are mounted only by the orchestrator; refused by the credential-secrets rule`,
        );
      }
    }
  }
  for (const [field, value] of strings(request, "")) {
    const kind = secretLookingValue(value);
    if (kind) {
      throw new PolicyRefusedError(
        422,
        "secret_value",
        field,
        "secret-values",
        `${field}: looks like a ${kind}; credentials may not appear in a request (it is stored and shown in plain text): use envFromSecrets with a Kubernetes Secret. Refused by the secret-values rule`,
      );
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
