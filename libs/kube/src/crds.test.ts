import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  BRANCH_RE,
  ENV_NAME_RE,
  GITHUB_USER_RE,
  K8S_NAME_RE,
  MODEL_RE,
  RELATIVE_PATH_RE,
  REPOSITORY_URL_RE,
  SERVICE_RE,
} from "@orchestrator/contracts";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CODE_RUN, CRD_GROUP, CRD_VERSION, DOCS_RUN } from "./custom-resources.js";

interface Schema {
  pattern?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
}
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Crd = any;

function loadCrd(file: string): Crd {
  return parse(readFileSync(fileURLToPath(new URL(`../../../deploy/crds/${file}`, import.meta.url)), "utf8"));
}
const code = loadCrd("coderuns.yaml");
const docs = loadCrd("docsruns.yaml");
const specOf = (crd: Crd): Record<string, Schema> =>
  crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;

/** The CRD's RE2 pattern plus the CEL rules that stand in for the lookaheads RE2 lacks. */
function crdAccepts(
  field: Schema & { "x-kubernetes-validations"?: { rule: string }[] },
  value: string,
): boolean {
  if (field.pattern && !new RegExp(field.pattern).test(value)) return false;
  for (const { rule } of field["x-kubernetes-validations"] ?? []) {
    if (rule.includes("self.contains('..')") && (value.includes("..") || value.includes("//"))) return false;
    if (rule.includes("self.startsWith('/')") && (value.startsWith("/") || /(^|\/)\.\.(\/|$)/.test(value)))
      return false;
  }
  return true;
}

describe("CRD manifests", () => {
  it("validate as apiextensions.k8s.io/v1 CustomResourceDefinitions", () => {
    for (const crd of [code, docs]) new CustomResourceDefinition(crd).validate();
  });

  it("use the original group, names, short names, status subresource and printer columns", () => {
    expect(code.metadata.name).toBe(`${CODE_RUN.plural}.${CRD_GROUP}`);
    expect(code.spec).toMatchObject({
      group: CRD_GROUP,
      scope: "Namespaced",
      names: {
        kind: CODE_RUN.kind,
        plural: CODE_RUN.plural,
        singular: CODE_RUN.singular,
        shortNames: ["cr"],
      },
    });
    expect(docs.spec.names).toMatchObject({
      kind: DOCS_RUN.kind,
      plural: DOCS_RUN.plural,
      shortNames: ["dr"],
    });
    for (const crd of [code, docs]) {
      expect(crd.spec.versions).toHaveLength(1);
      expect(crd.spec.versions[0]).toMatchObject({
        name: CRD_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
      });
    }
    const columns = (crd: Crd) =>
      crd.spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name);
    expect(columns(code)).toEqual(["Task", "Service", "Model", "Phase", "Age"]);
    expect(columns(docs)).toEqual(["Phase", "Age"]);
  });

  it("declare every spec field of the original service with its defaults", () => {
    expect(Object.keys(specOf(code))).toEqual(
      expect.arrayContaining([
        "taskId",
        "service",
        "repositoryUrl",
        "docsRepositoryUrl",
        "docsProjectDirectory",
        "docsBranch",
        "workingDirectory",
        "model",
        "githubUser",
        "toolConfig",
        "localTools",
        "remoteTools",
        "contextVersion",
        "promptModification",
        "promptMode",
        "continueSession",
        "overwriteMemory",
        "env",
        "envFromSecrets",
        "branch",
        "maxRetries",
      ]),
    );
    expect(Object.keys(specOf(docs)).sort()).toEqual([
      "githubUser",
      "model",
      "repositoryUrl",
      "sourceBranch",
      "workingDirectory",
    ]);
    const defaults = Object.fromEntries(
      Object.entries(specOf(code))
        .filter(([, s]) => s.default !== undefined)
        .map(([k, s]) => [k, s.default]),
    );
    expect(defaults).toEqual({
      docsBranch: "main",
      toolConfig: "default",
      contextVersion: 1,
      promptMode: "append",
      continueSession: false,
      overwriteMemory: false,
      branch: "main",
      maxRetries: 0,
    });
    const status = code.spec.versions[0].schema.openAPIV3Schema.properties.status.properties;
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining([
        "phase",
        "message",
        "lastUpdate",
        "jobName",
        "configmapName",
        "pullRequestUrl",
        "sessionId",
        "retryCount",
        "contextVersion",
        "conditions",
        "observedGeneration",
      ]),
    );
  });

  it("accept and reject the same values as the request contracts", () => {
    const cases: [Schema, RegExp, string[]][] = [
      [
        specOf(code).repositoryUrl!,
        REPOSITORY_URL_RE,
        [
          "git@github.com:5dlabs/trader.git",
          "ssh://git@github.com:22/o/r",
          "https://github.com/o/r",
          "http://github.com/o/r",
          "git@github.com:o/r;rm -rf",
          "https://github.com/o",
        ],
      ],
      [specOf(code).service!, SERVICE_RE, ["trader", "a-b-1", "Trader", "a_b", "", "a".repeat(64)]],
      [specOf(code).githubUser!, GITHUB_USER_RE, ["swe-1-5dlabs", "A", "-bad", "a_b", "a".repeat(40)]],
      [specOf(code).model!, MODEL_RE, ["claude-sonnet-4-20250514", "opus", "x:y.z", "-x", "a b"]],
      [
        specOf(code).branch!,
        BRANCH_RE,
        [
          "main",
          "feature/task-1",
          "release-1.2",
          "-x",
          "a..b",
          "a//b",
          "x/",
          "x.",
          "a b",
          "a$(id)",
          "b".repeat(200),
          "b".repeat(201),
          "_",
        ],
      ],
      [specOf(docs).sourceBranch!, BRANCH_RE, ["main", "a..b", "v1.0-rc"]],
      [
        specOf(code).workingDirectory!,
        RELATIVE_PATH_RE,
        [".", "trader", "_projects/simple-api", "../x", "a/../b", "/etc", "-rf", "a/..", "a/..b", "x y"],
      ],
      [specOf(docs).workingDirectory!, RELATIVE_PATH_RE, [".", "_projects/x", "..", "a/b/"]],
      [specOf(code).envFromSecrets!.items!.properties!.name!, ENV_NAME_RE, ["DB_URL", "_x", "1X", "A-B"]],
      [
        specOf(code).envFromSecrets!.items!.properties!.secretName!,
        K8S_NAME_RE,
        ["trader-db", "Trader", "-x", "a.b"],
      ],
    ];
    for (const [field, re, values] of cases) {
      for (const value of values) expect([value, crdAccepts(field, value)]).toEqual([value, re.test(value)]);
    }
  });
});
