import {
  branch,
  type EnvFromSecret,
  envFromSecretSchema,
  envName,
  githubUser,
  model,
  relativePath,
  repositoryUrl,
  service,
  toolName,
} from "@orchestrator/contracts";
import { InvalidArgumentError } from "commander";
import type { z } from "zod";

/*
 * Flag values are checked here with the same patterns the API applies, so a mistake is reported
 * against the flag the user typed (`--service "Trader!" must match …`) before anything is sent.
 */

/** Flag name → the contracts schema its value must satisfy. */
export const FLAG_SCHEMAS = {
  "--repository-url": repositoryUrl,
  "--platform-repository-url": repositoryUrl,
  "--service": service,
  "--source-branch": branch,
  "--branch": branch,
  "--platform-branch": branch,
  "--working-directory": relativePath,
  "--docs-project-directory": relativePath,
  "--github-user": githubUser,
  "--model": model,
} as const satisfies Record<string, z.ZodType<string>>;

export type CheckedFlag = keyof typeof FLAG_SCHEMAS;

/** Problems with the given values, one line each, naming the flag; empty when all are fine. */
export function checkFlags(values: Partial<Record<CheckedFlag, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const [flag, value] of Object.entries(values) as [CheckedFlag, string | undefined][]) {
    if (value === undefined) continue;
    const result = FLAG_SCHEMAS[flag].safeParse(value);
    if (!result.success)
      problems.push(`${flag} ${JSON.stringify(value)} ${result.error.issues[0]?.message ?? "is invalid"}`);
  }
  return problems;
}

/** commander argParser for whole numbers within bounds. */
export function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** commander argParser for `a,b,c` lists of MCP tool names. */
export function toolListArg(value: string): string[] {
  const tools = value
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  for (const tool of tools) {
    if (!toolName.safeParse(tool).success) {
      throw new InvalidArgumentError(`"${tool}" is not an MCP tool name (letters, digits, _ . -)`);
    }
  }
  return tools;
}

/** Repeatable `--env K=V`; the value may contain `=` and commas. */
export function envArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("must be NAME=value");
  const name = value.slice(0, eq);
  if (!envName.safeParse(name).success) {
    throw new InvalidArgumentError(
      `"${name}" is not an environment variable name (letters, digits, _; not starting with a digit)`,
    );
  }
  return { ...previous, [name]: value.slice(eq + 1) };
}

/** Repeatable `--env-from-secret NAME:SECRET:KEY` (commas separate several in one flag). */
export function envFromSecretArg(value: string, previous: EnvFromSecret[] = []): EnvFromSecret[] {
  const next = [...previous];
  for (const entry of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = entry.split(":");
    if (parts.length !== 3)
      throw new InvalidArgumentError(
        `"${entry}" must be NAME:SECRET:KEY (env var, Kubernetes secret, key in it)`,
      );
    const [name, secretName, secretKey] = parts as [string, string, string];
    const parsed = envFromSecretSchema.safeParse({ name, secretName, secretKey });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidArgumentError(
        `"${entry}": ${issue?.path.join(".")} ${issue?.message ?? "is invalid"}`,
      );
    }
    next.push(parsed.data);
  }
  return next;
}

/** The positional `<taskId>` of `task code`. */
export function taskIdArg(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 1_000_000) {
    throw new InvalidArgumentError("must be a Task Master task id (a whole number, e.g. 1)");
  }
  return Number(value);
}

/** `--session-id`: a Claude session id as Claude prints it. */
export function sessionIdArg(value: string): string {
  if (!/^[A-Za-z0-9-]{1,100}$/.test(value)) {
    throw new InvalidArgumentError("must be a Claude session id (letters, digits and -, e.g. from runs get)");
  }
  return value;
}
