import { readFile } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { type Rules, rulesSchema } from "./rules-schema.js";

/** The rules file cannot be read or is invalid. The message names RULES_FILE and the bad path. */
export class RulesFileError extends Error {
  override readonly name = "RulesFileError";
  constructor(
    message: string,
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Parses and validates rules from YAML text (`file` is only used in messages). */
export function parseRules(text: string, file = "(inline)"): Rules {
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : "";
    throw new RulesFileError(`RULES_FILE ${file}: not valid YAML${where}`, file, { cause: err });
  }
  const parsed = rulesSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".") || "(top level)";
    const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
    return `${path}: ${issue.message}${keys}`;
  });
  throw new RulesFileError(`RULES_FILE ${file} is invalid:\n  ${problems.join("\n  ")}`, file);
}

/** Reads and validates the rules file. @throws RulesFileError */
export async function loadRules(file: string): Promise<Rules> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new RulesFileError(`RULES_FILE ${file} cannot be read (${code})`, file, { cause: err });
  }
  return parseRules(text, file);
}
