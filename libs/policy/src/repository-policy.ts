import { repositoryHost } from "@orchestrator/contracts";
import { PolicyRefusedError } from "./policy-refused-error.js";
import { resolveRepositoryRule } from "./rules/resolve-repository.js";
import type { Rules } from "./rules/rules-schema.js";

/** `owner/name` of `git@host:owner/name.git`, `ssh://git@host/owner/name` or `https://host/owner/name(.git)`. */
export function repositoryFullName(url: string): string | undefined {
  const m = /[:/]([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?)(?:\.git)?$/.exec(url);
  return m?.[1];
}

/** The GitHub users a repository rule lets runs use: its `users`, else its `githubUser`. */
export function allowedUsersOf(rule: {
  users?: string[] | undefined;
  githubUser?: string | undefined;
}): string[] {
  if (rule.users && rule.users.length > 0) return rule.users;
  return rule.githubUser ? [rule.githubUser] : [];
}

/**
 * A repository may receive credentials only when its host is in ALLOWED_GIT_HOSTS (403, rule
 * `ALLOWED_GIT_HOSTS`), its `owner/name` matches a `repositories` rule (403, rule `repositories`),
 * and that rule allows the requested GitHub user (403, naming the rule's `match`).
 * @throws PolicyRefusedError
 */
export function checkRepository(
  field: string,
  url: string,
  githubUser: string,
  rules: Rules,
  allowedGitHosts: readonly string[],
): void {
  const host = repositoryHost(url);
  if (!host || !allowedGitHosts.includes(host)) {
    throw new PolicyRefusedError(
      403,
      "git_host",
      field,
      "ALLOWED_GIT_HOSTS",
      `${field}: host ${JSON.stringify(host ?? "")} is not in ALLOWED_GIT_HOSTS (${allowedGitHosts.join(", ")}); credentials are only sent to those hosts`,
    );
  }
  const fullName = repositoryFullName(url);
  const rule = fullName ? resolveRepositoryRule(rules, fullName) : undefined;
  const match = fullName ? matchingRule(rules, fullName) : undefined;
  if (!fullName || !rule || match === undefined) {
    throw new PolicyRefusedError(
      403,
      "repository",
      field,
      "repositories",
      `${field}: ${fullName ?? "the repository"} matches no rule in the rules file's repositories`,
    );
  }
  const users = allowedUsersOf(rule).map((u) => u.toLowerCase());
  if (!users.includes(githubUser.toLowerCase())) {
    throw new PolicyRefusedError(
      403,
      "github_user",
      "githubUser",
      `repositories[match=${match}]`,
      `githubUser: ${githubUser} is not among the users the rule repositories[match=${match}] allows for ${fullName}${users.length ? ` (${users.join(", ")})` : " (it lists none)"}`,
    );
  }
}

function matchingRule(rules: Rules, fullName: string): string | undefined {
  const index = rules.repositories.findIndex((rule) =>
    resolveRepositoryRule({ ...rules, repositories: [rule] }, fullName),
  );
  const match = rules.repositories[index]?.match;
  return match === undefined ? undefined : Array.isArray(match) ? match.join(",") : match;
}
