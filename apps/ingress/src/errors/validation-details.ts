import { fieldPath } from "@orchestrator/contracts";
import type { z } from "zod";
import type { FieldProblem } from "./http-error.js";

/** Renames the first segment of a path (e.g. camelCase → snake_case on the original API's routes). */
export type PathRenamer = (segment: string) => string;

/**
 * Turns zod issues into `{path, message}` entries a person can act on: one entry per unknown
 * field, "required" for missing ones, and the pattern's own explanation for unsafe values. A key
 * that is not a plain name (a pasted token, say) is named by its index (`env[2]`, see `fieldPath`);
 * `root` is the value that was parsed, to find that index.
 */
export function validationDetails(
  issues: readonly z.core.$ZodIssue[],
  rename?: PathRenamer,
  root?: unknown,
): FieldProblem[] {
  const details: FieldProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        details.push({ path: formatPath([...path, key], root, rename), message: "unknown field" });
      continue;
    }
    details.push({ path: formatPath(path, root, rename), message: describe(issue) });
  }
  return details;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "required";
  if (issue.code === "invalid_union") {
    // a discriminated union names the accepted discriminator values
    const options = (issue as { options?: unknown }).options;
    if (Array.isArray(options)) return `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`;
  }
  if (issue.code === "invalid_key") {
    const inner = issue.issues[0];
    return inner ? `invalid key: ${inner.message}` : "invalid key";
  }
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return issue.message;
}

function formatPath(path: readonly (string | number)[], root: unknown, rename?: PathRenamer): string {
  const formatted = fieldPath(path, root);
  const first = path[0];
  if (!rename || typeof first !== "string" || !formatted.startsWith(first)) return formatted;
  return `${rename(first)}${formatted.slice(first.length)}`;
}
