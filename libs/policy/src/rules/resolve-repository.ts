import picomatch from "picomatch";
import type { AlertRoute, Rules, RunDefaults } from "./rules-schema.js";

const MATCH_OPTIONS = { nocase: true, dot: true } as const;
const matchers = new Map<string, (value: string) => boolean>();

/**
 * A compiled glob matcher, kept per pattern list: compiling is most of the cost of a match, and
 * every request resolves its repository (and every alert its route). Bounded for rules reloads.
 */
function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  const key = JSON.stringify(patterns);
  let matcher = matchers.get(key);
  if (!matcher) {
    if (matchers.size >= 1000) matchers.clear();
    matcher = picomatch([...patterns], MATCH_OPTIONS);
    matchers.set(key, matcher);
  }
  return matcher;
}

/** The effective defaults of a repository: the rules' `defaults` under its first matching rule. */
export function resolveRepositoryRule(rules: Rules, fullName: string): RunDefaults | undefined {
  const name = fullName.toLowerCase();
  for (const rule of rules.repositories) {
    const patterns = (Array.isArray(rule.match) ? rule.match : [rule.match]).map((p) => p.toLowerCase());
    if (globMatcher(patterns)(name)) {
      const { match: _match, ...defaults } = rule;
      return { ...rules.defaults, ...stripUndefined(defaults) };
    }
  }
  return undefined;
}

/** The first alert route whose label globs all match the alert's labels. */
export function resolveAlertRoute(
  rules: Rules,
  labels: Readonly<Record<string, string>>,
): AlertRoute | undefined {
  return rules.grafana.routes.find((route) =>
    Object.entries(route.labels).every(([name, glob]) => {
      const value = labels[name];
      return value !== undefined && globMatcher([glob])(value);
    }),
  );
}

/** `owner/name` → clone URL on the configured host. */
export function cloneUrl(host: string, fullName: string, auth: "ssh" | "https"): string {
  return auth === "https" ? `https://${host}/${fullName}.git` : `git@${host}:${fullName}.git`;
}

/** A service name derived from a repository name (`Hello-World` → `hello-world`). */
export function serviceFromRepository(fullName: string): string | undefined {
  const name = (fullName.split("/").pop() ?? "")
    .toLowerCase()
    .replace(/\.git$/, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return name || undefined;
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
