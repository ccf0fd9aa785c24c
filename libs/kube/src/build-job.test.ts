import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap, PersistentVolumeClaim } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { codeRun, docsRun } from "../test/fixtures.js";
import { buildConfigMap, configMapDataBytes } from "./build-config-map.js";
import { buildCustomResource, ownerReferenceTo } from "./build-custom-resource.js";
import { buildJob, type JobSettings, jobOwnerReference } from "./build-job.js";
import { buildWorkspacePvc } from "./build-workspace-pvc.js";
import { withImageTag } from "./image.js";
import { CREATED_BY_DISPATCHER_SELECTOR, isCreatedByDispatcher, runLabels } from "./labels.js";
import { runObjectNames, runTokenSecretName } from "./names.js";

const settings: JobSettings = {
  image: "anthropic/claude-code:latest",
  imagePullSecrets: ["ghcr-secret"],
  ttlSecondsAfterFinished: 1800,
  activeDeadlineSeconds: 7200,
  resources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
  anthropicSecret: { name: "anthropic-api-key", key: "api-key" },
};
const owner = {
  apiVersion: "orchestrator.platform/v1",
  kind: "CodeRun",
  name: "code-run-0mj1x2y3zabcd1234",
  uid: "uid-1",
  controller: true,
  blockOwnerDeletion: true,
};

/** Validates against the Kubernetes OpenAPI schema (throws with the offending path). */
function validJob(obj: unknown): void {
  new Job(JSON.parse(JSON.stringify(obj))).validate();
}

describe("buildJob", () => {
  it("builds the code run's Job exactly: no retries, non-root, mounts, credentials and env", () => {
    const run = codeRun({
      env: { FEATURE_FLAG: "on", ORCH_RUN_ID: "spoof" },
      envFromSecrets: [{ name: "DB_URL", secretName: "trader-db", secretKey: "url" }],
    });
    const job = buildJob({ run, names: runObjectNames(run), namespace: "agents", settings, owner });
    validJob(job);
    const labels = runLabels(run);
    expect(job.metadata).toEqual({
      name: "code-run-0mj1x2y3zabcd1234",
      namespace: "agents",
      labels,
      annotations: { "orchestrator.platform/run-id": run.id },
      ownerReferences: [owner],
    });
    const spec = job.spec!;
    expect(spec).toMatchObject({
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 1800,
    });
    const pod = spec.template.spec!;
    expect(spec.template.metadata?.labels).toEqual(labels);
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.imagePullSecrets).toEqual([{ name: "ghcr-secret" }]);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.volumes).toEqual([
      { name: "config", configMap: { name: "code-run-0mj1x2y3zabcd1234-files", defaultMode: 0o755 } },
      { name: "workspace", persistentVolumeClaim: { claimName: "workspace-trader" } },
      { name: "home", emptyDir: {} },
      { name: "git-auth", secret: { secretName: "github-ssh-swe-1-5dlabs", defaultMode: 384 } },
      {
        name: "github-token",
        secret: {
          secretName: "github-pat-swe-1-5dlabs",
          defaultMode: 384,
          items: [{ key: "token", path: "token", mode: 384 }],
          optional: true,
        },
      },
    ]);
    const [container] = pod.containers;
    expect(container).toMatchObject({
      name: "agent",
      image: "anthropic/claude-code:latest",
      command: ["/bin/bash", "-p", "/config/container.sh"],
      workingDir: "/workspace",
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      terminationMessagePath: "/dev/termination-log",
    });
    expect(container?.volumeMounts).toEqual([
      { name: "config", mountPath: "/config", readOnly: true },
      {
        name: "config",
        mountPath: "/etc/claude-code/managed-settings.json",
        subPath: "settings.json",
        readOnly: true,
      },
      { name: "workspace", mountPath: "/workspace" },
      { name: "home", mountPath: "/home/agent" },
      { name: "git-auth", mountPath: "/etc/orchestrator/ssh", readOnly: true },
      { name: "github-token", mountPath: "/etc/orchestrator/github", readOnly: true },
    ]);
    expect(container?.env).toEqual([
      { name: "FEATURE_FLAG", value: "on" },
      { name: "DB_URL", valueFrom: { secretKeyRef: { name: "trader-db", key: "url" } } },
      { name: "ORCH_RUN_ID", value: run.id },
      { name: "ORCH_CONFIG_DIR", value: "/config" },
      { name: "ORCH_WORKSPACE_DIR", value: "/workspace" },
      { name: "ORCH_RESULT_FILE", value: "/dev/termination-log" },
      { name: "ORCH_MANAGED_SETTINGS_FILE", value: "/etc/claude-code/managed-settings.json" },
      { name: "ORCH_SSH_KEY_DIR", value: "/etc/orchestrator/ssh" },
      { name: "ORCH_GITHUB_TOKEN_FILE", value: "/etc/orchestrator/github/token" },
      { name: "HOME", value: "/home/agent" },
      { name: "CLAUDE_CONFIG_DIR", value: "/workspace/.claude-home" },
      {
        name: "ANTHROPIC_API_KEY",
        valueFrom: { secretKeyRef: { name: "anthropic-api-key", key: "api-key" } },
      },
    ]);
  });

  it("gives docs runs a scratch workspace and requires the PAT for https repositories", () => {
    const run = docsRun();
    const job = buildJob({
      run,
      names: runObjectNames(run),
      namespace: "agents",
      settings: { ...settings, imagePullSecrets: [] },
    });
    validJob(job);
    const pod = job.spec!.template.spec!;
    expect(pod.imagePullSecrets).toBeUndefined();
    expect(job.metadata?.ownerReferences).toBeUndefined();
    expect(pod.volumes).toContainEqual({ name: "workspace", emptyDir: {} });
    expect(pod.volumes?.map((v) => v.name)).not.toContain("git-auth");
    expect(pod.volumes).toContainEqual({
      name: "github-token",
      secret: {
        secretName: "github-pat-swe-1-5dlabs",
        defaultMode: 384,
        items: [{ key: "token", path: "token", mode: 384 }],
      },
    });
    const container = pod.containers[0]!;
    expect(container.volumeMounts).toContainEqual({
      name: "github-token",
      mountPath: "/etc/orchestrator/github",
      readOnly: true,
    });
    expect(container.env).toContainEqual({
      name: "ORCH_GITHUB_TOKEN_FILE",
      value: "/etc/orchestrator/github/token",
    });
    expect(container.env?.map((e) => e.name)).not.toContain("ORCH_SSH_KEY_DIR");
    expect(container.env?.map((e) => e.name)).not.toContain("CLAUDE_CONFIG_DIR");
  });

  it("App mode: mounts the run's own token Secret (required) instead of the user's PAT, SSH key kept", () => {
    const run = codeRun();
    const names = runObjectNames(run);
    const job = buildJob({
      run,
      names,
      namespace: "agents",
      settings,
      githubTokenSecret: runTokenSecretName(names),
    });
    validJob(job);
    const volumes = job.spec!.template.spec!.volumes!;
    expect(volumes).toContainEqual({
      name: "github-token",
      secret: {
        secretName: `${names.job}-github-token`,
        defaultMode: 384,
        items: [{ key: "token", path: "token", mode: 384 }],
      },
    });
    expect(JSON.stringify(volumes)).not.toContain("github-pat-");
    // the code fixture clones over SSH: its key is still mounted for git
    expect(volumes.map((v) => v.name)).toContain("git-auth");
  });

  it("applies per-run overrides of resources, deadline and image tag", () => {
    const run = codeRun({
      overrides: {
        imageTag: "1.0.60",
        cpuRequest: "500m",
        cpuLimit: "4",
        memoryRequest: "1Gi",
        memoryLimit: "8Gi",
        activeDeadlineSeconds: 600,
      },
    });
    const job = buildJob({ run, names: runObjectNames(run), namespace: "agents", settings });
    validJob(job);
    expect(job.spec?.activeDeadlineSeconds).toBe(600);
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      image: "anthropic/claude-code:1.0.60",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    });
  });

  it("replaces an image's tag without touching a registry port", () => {
    expect(withImageTag("anthropic/claude-code:latest", "1.2")).toBe("anthropic/claude-code:1.2");
    expect(withImageTag("registry:5000/org/agent", "1.2")).toBe("registry:5000/org/agent:1.2");
    expect(withImageTag("ghcr.io/org/agent@sha256:abc", "v3")).toBe("ghcr.io/org/agent:v3");
  });
});

describe("buildConfigMap", () => {
  it("holds the rendered files, labelled and owned by the run's CR", () => {
    const run = codeRun();
    const files = {
      "container.sh": "#!/bin/bash\necho hi\n",
      "settings.json": "{}",
      "CLAUDE.md": "# memory",
    };
    const cm = buildConfigMap({
      run,
      name: "code-run-0mj1x2y3zabcd1234-files",
      namespace: "agents",
      files,
      digest: "abc",
      owner,
    });
    new ConfigMap(JSON.parse(JSON.stringify(cm))).validate();
    expect(cm).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "code-run-0mj1x2y3zabcd1234-files",
        namespace: "agents",
        labels: runLabels(run),
        annotations: { "orchestrator.platform/run-id": run.id, "orchestrator.platform/files-digest": "abc" },
        ownerReferences: [owner],
      },
      data: files,
    });
    expect(configMapDataBytes({ a: "é" })).toBe(3);
  });
});

describe("jobOwnerReference", () => {
  it("makes an object a non-controlling dependent of the run's Job", () => {
    expect(
      jobOwnerReference({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", uid: "job-uid" } }),
    ).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      name: "j",
      uid: "job-uid",
      controller: false,
      blockOwnerDeletion: false,
    });
  });
});

describe("buildWorkspacePvc", () => {
  it("claims a ReadWriteOnce workspace per service with the configured size and class", () => {
    const pvc = buildWorkspacePvc("trader", "agents", { size: "10Gi", storageClassName: "local-path" });
    new PersistentVolumeClaim(JSON.parse(JSON.stringify(pvc))).validate();
    expect(pvc).toEqual({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: "workspace-trader",
        namespace: "agents",
        labels: {
          "app.kubernetes.io/name": "orchestrator",
          "app.kubernetes.io/component": "workspace",
          "app.kubernetes.io/managed-by": "orchestrator-dispatcher",
          "orchestrator.platform/service": "trader",
        },
      },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "10Gi" } },
        storageClassName: "local-path",
      },
    });
    expect(buildWorkspacePvc("trader", "agents", { size: "5Gi" }).spec).not.toHaveProperty(
      "storageClassName",
    );
  });
});

describe("buildCustomResource", () => {
  it("writes a CodeRun with the original field names and tool lists as CSV", () => {
    const run = codeRun({
      localTools: ["filesystem", "git"],
      remoteTools: ["brave-search_brave_web_search"],
      promptModification: "fix tests",
    });
    const cr = buildCustomResource({ run, name: "code-run-0mj1x2y3zabcd1234", namespace: "agents" });
    expect(cr).toEqual({
      apiVersion: "orchestrator.platform/v1",
      kind: "CodeRun",
      metadata: {
        name: "code-run-0mj1x2y3zabcd1234",
        namespace: "agents",
        labels: runLabels(run),
        annotations: {
          "orchestrator.platform/run-id": run.id,
          "orchestrator.platform/repository-url": "git@github.com:5dlabs/trader.git",
        },
      },
      spec: {
        taskId: 12,
        service: "trader",
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
        docsBranch: "main",
        workingDirectory: "trader",
        model: "claude-sonnet-4-20250514",
        githubUser: "Swe-1-5dlabs",
        toolConfig: "default",
        localTools: "filesystem,git",
        remoteTools: "brave-search_brave_web_search",
        contextVersion: 1,
        promptModification: "fix tests",
        promptMode: "append",
        continueSession: false,
        overwriteMemory: false,
        env: {},
        envFromSecrets: [],
        branch: "main",
        maxRetries: 0,
      },
    });
  });

  it("writes a DocsRun with the five original fields", () => {
    const cr = buildCustomResource({
      run: docsRun(),
      name: "docs-run-0mj1x2y3zdocs5678",
      namespace: "agents",
    });
    expect(cr.kind).toBe("DocsRun");
    expect(cr.spec).toEqual({
      repositoryUrl: "https://github.com/5dlabs/platform.git",
      workingDirectory: "_projects/simple-api",
      sourceBranch: "feature/docs",
      model: "claude-opus-4-20250514",
      githubUser: "swe-1-5dlabs",
    });
  });

  it("records per-run overrides on the CR, so kubectl shows what the Job got", () => {
    const overrides = { imageTag: "1.0.60", memoryLimit: "8Gi", activeDeadlineSeconds: 600 };
    const cr = buildCustomResource({ run: codeRun({ overrides }), name: "x", namespace: "agents" });
    expect(JSON.parse(cr.metadata.annotations?.["orchestrator.platform/overrides"] ?? "null")).toEqual(
      overrides,
    );
    const plain = buildCustomResource({ run: docsRun(), name: "y", namespace: "agents" });
    expect(plain.metadata.annotations).not.toHaveProperty("orchestrator.platform/overrides");
  });

  it("marks the CRs the dispatcher creates, unlike ones applied with kubectl", () => {
    const cr = buildCustomResource({ run: codeRun(), name: "x", namespace: "agents" });
    expect(isCreatedByDispatcher(cr.metadata)).toBe(true);
    expect(CREATED_BY_DISPATCHER_SELECTOR).toBe(
      "app.kubernetes.io/managed-by=orchestrator-dispatcher,orchestrator.platform/run-id",
    );
    // applied with kubectl: whatever labels its author chose
    expect(isCreatedByDispatcher({ labels: { team: "a" } })).toBe(false);
    expect(isCreatedByDispatcher({})).toBe(false);
  });

  it("references the CR as the controlling owner", () => {
    expect(ownerReferenceTo({ kind: "CodeRun", metadata: { name: "x", uid: "u" } })).toEqual({
      apiVersion: "orchestrator.platform/v1",
      kind: "CodeRun",
      name: "x",
      uid: "u",
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(() => ownerReferenceTo({ kind: "CodeRun", metadata: { name: "x" } })).toThrow(/uid/);
  });
});
