import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  loadYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { type KubeSim, startKubeSim } from "@orchestrator/kube-sim";
import { afterEach, describe, expect, it } from "vitest";
import { CRD_DIR } from "../src/testing.js";

let sim: KubeSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const coderun = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "orchestrator.platform/v1",
  kind: "CodeRun",
  metadata: { name },
  spec,
});

describe("CRD manifests in a cluster", () => {
  it("are accepted by the apiextensions API and serve CodeRuns and DocsRuns with defaults and validation", async () => {
    sim = await startKubeSim({ seed: 3, tickMs: 5 });
    const kubeConfig = sim.kubeConfig();
    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    for (const file of ["coderuns.yaml", "docsruns.yaml"]) {
      // loadYaml maps `default` and `x-kubernetes-*` to the client's model fields; a plain YAML parse would
      // lose them in the client's serializer
      const body = loadYaml<V1CustomResourceDefinition>(await readFile(join(CRD_DIR, file), "utf8"));
      await extensions.createCustomResourceDefinition({ body });
    }
    await expect
      .poll(async () => {
        const crd = await extensions.readCustomResourceDefinition({ name: "coderuns.orchestrator.platform" });
        return crd.status?.conditions?.find((c) => c.type === "Established")?.status;
      })
      .toBe("True");

    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const ref = { group: "orchestrator.platform", version: "v1", namespace: "default" };
    // a manifest written for the original service
    await custom.createNamespacedCustomObject({
      ...ref,
      plural: "coderuns",
      body: coderun("trader-task-1", {
        taskId: 1,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        workingDirectory: "trader",
        model: "claude-sonnet-4-20250514",
        githubUser: "swe-1-5dlabs",
        localTools: "filesystem,git",
        env: { FEATURE: "on" },
        envFromSecrets: [{ name: "DB_URL", secretName: "trader-db", secretKey: "url" }],
      }),
    });
    const served = (await custom.getNamespacedCustomObject({
      ...ref,
      plural: "coderuns",
      name: "trader-task-1",
    })) as {
      spec: Record<string, unknown>;
    };
    expect(served.spec).toMatchObject({
      docsBranch: "main",
      toolConfig: "default",
      contextVersion: 1,
      promptMode: "append",
      continueSession: false,
      overwriteMemory: false,
      branch: "main",
      maxRetries: 0,
      localTools: "filesystem,git",
    });

    await custom.createNamespacedCustomObject({
      ...ref,
      plural: "docsruns",
      body: {
        apiVersion: "orchestrator.platform/v1",
        kind: "DocsRun",
        metadata: { name: "docs-1" },
        spec: {
          repositoryUrl: "https://github.com/5dlabs/platform.git",
          workingDirectory: "_projects/simple-api",
          sourceBranch: "main",
          githubUser: "swe-1-5dlabs",
        },
      },
    });

    let rejected: unknown;
    try {
      await custom.createNamespacedCustomObject({
        ...ref,
        plural: "coderuns",
        body: coderun("bad", {
          taskId: -1,
          service: "Trader;rm",
          repositoryUrl: "ftp://x",
          docsRepositoryUrl: "git@github.com:o/r.git",
          githubUser: "-x",
        }),
      });
    } catch (err) {
      rejected = err;
    }
    expect(rejected).toBeInstanceOf(ApiException);
    const error = rejected as ApiException<unknown>;
    expect(error.code).toBe(422);
    expect(String(error.body)).toMatch(/spec\.service/);
    expect(String(error.body)).toMatch(/spec\.taskId/);
  });
});
