import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * The rules file shipped with @orchestrator/policy, found both from src/ (tsx) and from an app's
 * bundle (where the package is still installed in node_modules).
 */
export function defaultRulesFile(): string {
  try {
    return createRequire(import.meta.url).resolve("@orchestrator/policy/rules.default.yaml");
  } catch {
    const beside = fileURLToPath(new URL("../../rules.default.yaml", import.meta.url));
    return existsSync(beside) ? beside : "rules.default.yaml";
  }
}
