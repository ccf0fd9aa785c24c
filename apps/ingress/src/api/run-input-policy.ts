import { isShowableKey, LOCAL_TOOL_NAMES } from "@orchestrator/contracts";
import type { FieldProblem } from "../errors/http-error.js";
import type { PathRenamer } from "../errors/validation-details.js";

/** Names under which people put secrets. `env` is plain text: stored on the run, shown by `GET /runs/:id`, written to the ConfigMap. */
// whole `_`-separated words only, so settings such as MAX_THINKING_TOKENS or TOKENIZERS_PARALLELISM pass
export const SECRET_LIKE_ENV_NAME =
  /(?:^|_)(?:TOKEN|SECRET|SECRETS|PASSWORD|PASSWD|PASS|CREDENTIAL|CREDENTIALS|APIKEY)(?:_|$)|(?:^|_)(?:API|PRIVATE|ACCESS|SECRET)_KEY(?:_|$)/i;

/**
 * What ingress refuses beyond the shared schema, because accepting it would go wrong later: a `localTools`
 * entry the renderer's catalog lacks (the render would fail for good after a 202) and an `env` name that
 * looks like a secret (its value would be stored and shown in plain text). Reads the raw body defensively,
 * so these problems are listed alongside the schema's own.
 */
export function runInputPolicyProblems(body: unknown, rename?: PathRenamer): FieldProblem[] {
  if (!isRecord(body) || body["kind"] !== "code") return [];
  const name = (field: string) => (rename ? rename(field) : field);
  const problems: FieldProblem[] = [];
  const localTools = body["localTools"];
  if (Array.isArray(localTools)) {
    localTools.forEach((tool, i) => {
      if (typeof tool === "string" && !LOCAL_TOOL_NAMES.includes(tool)) {
        problems.push({
          path: `${name("localTools")}.${i}`,
          // the refused value is not repeated: it may be anything, a pasted token included
          message: `unknown local tool: must be one of ${LOCAL_TOOL_NAMES.join(", ")}`,
        });
      }
    });
  }
  const env = body["env"];
  if (isRecord(env)) {
    for (const [i, key] of Object.keys(env).entries()) {
      if (SECRET_LIKE_ENV_NAME.test(key)) {
        problems.push({
          // a key is named only when it is a plain name that is no credential itself
          path: isShowableKey(key) ? `${name("env")}.${key}` : `${name("env")}[${i}]`,
          message:
            `looks like a secret, and ${name("env")} is not secret (stored on the run, shown by GET /api/v1/runs/:id, ` +
            `written to the run's ConfigMap): pass it with ${name("envFromSecrets")} from a Kubernetes Secret instead`,
        });
      }
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
