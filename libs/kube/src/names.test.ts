import { K8S_NAME_RE } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { codeRun, docsRun } from "../test/fixtures.js";
import { belongsToRun, runLabels, runSelector, sanitizeLabelValue } from "./labels.js";
import { runObjectNames, toKubeName, workspacePvcName } from "./names.js";

const LABEL_VALUE_RE = /^(?:[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?)?$/;

describe("object names", () => {
  it("derives every name of a run from its id, so a replay finds the same objects", () => {
    const run = codeRun();
    expect(runObjectNames(run)).toEqual({
      customResource: "code-run-0mj1x2y3zabcd1234",
      configMap: "code-run-0mj1x2y3zabcd1234-files",
      job: "code-run-0mj1x2y3zabcd1234",
      workspacePvc: "workspace-trader",
    });
    expect(runObjectNames(docsRun())).toEqual({
      customResource: "docs-run-0mj1x2y3zdocs5678",
      configMap: "docs-run-0mj1x2y3zdocs5678-files",
      job: "docs-run-0mj1x2y3zdocs5678",
    });
  });

  it("uses the name of a CodeRun applied with kubectl", () => {
    const run = codeRun({ source: { type: "kubernetes", namespace: "agents", name: "my-task", uid: "u-1" } });
    expect(runObjectNames(run).customResource).toBe("my-task");
  });

  it("keeps long or odd run ids within 63 characters and distinct", () => {
    const a = runObjectNames(codeRun({}, `Run_${"x".repeat(80)}A`));
    const b = runObjectNames(codeRun({}, `Run_${"x".repeat(80)}B`));
    for (const name of [a.configMap, a.job, a.customResource, b.job]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(K8S_NAME_RE);
    }
    expect(a.job).not.toBe(b.job);
    expect(toKubeName("--Hello__World--")).toBe("hello-world");
    expect(workspacePvcName("a".repeat(63))).toHaveLength(63);
  });
});

describe("labels", () => {
  it("select the run, its kind, task, service and sanitised GitHub user", () => {
    expect(runLabels(codeRun())).toEqual({
      "app.kubernetes.io/name": "orchestrator",
      "app.kubernetes.io/component": "code-runner",
      "app.kubernetes.io/managed-by": "orchestrator-dispatcher",
      "orchestrator.platform/run-id": "run-0mj1x2y3zabcd1234",
      "orchestrator.platform/kind": "code",
      "orchestrator.platform/task-id": "12",
      "orchestrator.platform/service": "trader",
      "orchestrator.platform/github-user": "swe-1-5dlabs",
      "orchestrator.platform/context-version": "1",
    });
    expect(runLabels(docsRun())).toMatchObject({
      "app.kubernetes.io/component": "docs-generator",
      "orchestrator.platform/kind": "docs",
    });
    expect(runLabels(docsRun())).not.toHaveProperty("orchestrator.platform/service");
  });

  it("sanitises values as the original service did and keeps them within 63 characters", () => {
    expect(sanitizeLabelValue("Swe_1 5dlabs")).toBe("swe-1-5dlabs");
    expect(sanitizeLabelValue("-._weird!value#-")).toBe("weirdvalue");
    const long = sanitizeLabelValue(`${"a".repeat(62)}-bbbb`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(LABEL_VALUE_RE);
    for (const value of Object.values(runLabels(codeRun({}, `Run:${"Z".repeat(90)}`)))) {
      expect(value).toMatch(LABEL_VALUE_RE);
    }
  });

  it("tells our objects from others by the run-id label", () => {
    const labels = runLabels(codeRun());
    expect(belongsToRun(labels, "run-0mj1x2y3zabcd1234")).toBe(true);
    expect(belongsToRun(labels, "run-other")).toBe(false);
    expect(belongsToRun(undefined, "run-0mj1x2y3zabcd1234")).toBe(false);
    expect(runSelector("run-0mj1x2y3zabcd1234")).toBe("orchestrator.platform/run-id=run-0mj1x2y3zabcd1234");
  });
});
