import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRulesFile } from "./default-rules-file.js";
import { loadRules, parseRules, RulesFileError } from "./load-rules.js";
import { resolveAlertRoute, resolveRepositoryRule } from "./resolve-repository.js";

describe("rules file", () => {
  it("ships a default that validates and lets every repository trigger with safe defaults", async () => {
    const rules = await loadRules(defaultRulesFile());
    expect(rules.github.labels).toEqual({ "orchestrator:docs": "docs", "orchestrator:code": "code" });
    expect(rules.github.trustedAssociations).toEqual(["OWNER", "MEMBER", "COLLABORATOR"]);
    expect(resolveRepositoryRule(rules, "5dlabs/trader")).toMatchObject({
      auth: "ssh",
      githubUser: "claude-agent-1",
    });
    expect(rules.grafana).toMatchObject({ maxRunsPerRule: 3, capWindow: 3_600_000, routes: [] });
  });

  it("applies the first matching repository rule over the defaults, case-insensitively", () => {
    const rules = parseRules(`
defaults: { githubUser: base-user, toolConfig: minimal }
repositories:
  - match: ["5dlabs/trader", "5dlabs/trader-*"]
    service: trader
  - match: "5dlabs/*"
    githubUser: other-user
`);
    expect(resolveRepositoryRule(rules, "5DLabs/Trader")).toMatchObject({
      service: "trader",
      githubUser: "base-user",
      toolConfig: "minimal",
    });
    expect(resolveRepositoryRule(rules, "5dlabs/platform")).toMatchObject({ githubUser: "other-user" });
    expect(resolveRepositoryRule(rules, "someone/else")).toBeUndefined();
  });

  it("matches alert routes on label globs", () => {
    const rules = parseRules(`
grafana:
  routes:
    - labels: { alertname: "Trader*", env: prod }
      repository: 5dlabs/trader
`);
    expect(resolveAlertRoute(rules, { alertname: "TraderDown", env: "prod" })?.repository).toBe(
      "5dlabs/trader",
    );
    expect(resolveAlertRoute(rules, { alertname: "TraderDown", env: "dev" })).toBeUndefined();
  });

  it("names RULES_FILE and every bad path when the file is invalid", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rules-"));
    const file = join(dir, "rules.yaml");
    await writeFile(
      file,
      "repositories:\n  - match: '*/*'\n    service: Bad_Name\n    branch: 'x;y'\ngithub:\n  colour: red\n",
    );
    const error = await loadRules(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RulesFileError);
    const message = (error as Error).message;
    expect(message).toContain(`RULES_FILE ${file} is invalid`);
    expect(message).toContain("repositories.0.service: must match ^[a-z0-9-]{1,63}$");
    expect(message).toContain("repositories.0.branch:");
    expect(message).toContain("github: Unrecognized key");
    await expect(loadRules(join(dir, "missing.yaml"))).rejects.toThrow(
      /RULES_FILE .*missing.yaml cannot be read \(ENOENT\)/,
    );
    expect(() => parseRules("a: [", "x.yaml")).toThrow(/RULES_FILE x.yaml: not valid YAML/);
  });
});
