import type { z } from "zod";
import { ConfigError } from "./config-error.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 * @throws ConfigError naming each bad variable and why
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "(environment)");
    const shown =
      variable in input ? ` (got ${JSON.stringify(redact(variable, input[variable] ?? ""))})` : "";
    return { variable, text: `${variable}: ${issue.message}${shown}` };
  });
  return fail(problems);
}

function fail(problems: { variable: string; text: string }[]): never {
  throw new ConfigError(`invalid configuration:\n  ${problems.map((p) => p.text).join("\n  ")}`, [
    ...new Set(problems.map((p) => p.variable)),
  ]);
}

/**
 * Values of variables that look secret are never echoed back, nor the user:password part of a URL
 * (`REDIS_URL=redis-sentinel://:pw@host/…` with a typo in its scheme is still refused by name).
 */
function redact(variable: string, value: string): string {
  if (/SECRET|TOKEN|PASSWORD|KEY|AUTH|CREDENTIAL/i.test(variable)) return "<redacted>";
  return value.replace(/\/\/\S*@/g, "//<redacted>@");
}
