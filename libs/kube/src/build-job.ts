import type { V1EnvVar, V1Job, V1OwnerReference, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { AGENT_ENV, AGENT_PATHS, type RunRecord, requestEnvNameProblem } from "@orchestrator/contracts";
import { gitCredentialsFor } from "./git-credentials.js";
import { withImageTag } from "./image.js";
import { ANNOTATIONS, runLabels } from "./labels.js";
import type { RunObjectNames } from "./names.js";

/** Name of the agent's container (what `kubectl logs` and the log API select). */
export const AGENT_CONTAINER = "agent";
/** UID/GID the agent runs as (the claude-code image's non-root user). */
export const AGENT_UID = 1000;
/** HOME of the agent inside the pod: a scratch volume, so no credentials land on the workspace. */
export const AGENT_HOME = "/home/agent";
/**
 * Code runs: Claude Code's config directory (sessions, history) on the persistent workspace, so
 * `--continue`/`--resume` find the previous attempt's session.
 */
export const CODE_CLAUDE_CONFIG_DIR = `${AGENT_PATHS.workspaceDir}/.claude-home`;
/** Mode of the mounted GitHub credentials (ssh refuses a private key others can read). */
export const SECRET_FILE_MODE = 0o600;

/**
 * Environment variables a request may not set: the runtime owns them, or they steer the shell, the loader,
 * git, node … (`DENIED_ENV_GLOBS`). The ingress refuses them; a CR applied with kubectl still never puts one
 * into the pod (where `LD_PRELOAD` would act before any script line), and the script refuses to start.
 */
export function isReservedEnvName(name: string): boolean {
  return requestEnvNameProblem(name) !== undefined;
}

/**
 * The agent's command: `bash -p` reads no `BASH_ENV`/`ENV` file and ignores `SHELLOPTS`, `BASHOPTS` and
 * functions from the environment, so nothing in it runs before the script's own checks.
 */
export const AGENT_COMMAND: readonly string[] = ["/bin/bash", "-p", `${AGENT_PATHS.configDir}/container.sh`];

export interface JobResources {
  /** @defaultValue "1" */
  cpuRequest: string;
  /** @defaultValue "2" */
  cpuLimit: string;
  /** @defaultValue "2Gi" */
  memoryRequest: string;
  /** @defaultValue "4Gi" */
  memoryLimit: string;
}

/** Install-wide settings of agent Jobs (from the dispatcher's environment). */
export interface JobSettings {
  /** agent image (JOB_IMAGE), e.g. `anthropic/claude-code:latest`; a run may override its tag */
  image: string;
  /** secrets for pulling the image (JOB_IMAGE_PULL_SECRETS) */
  imagePullSecrets: readonly string[];
  /**
   * `ttlSecondsAfterFinished` of the Job. Agent Jobs leave it unset: the dispatcher deletes finished
   * Jobs itself (JOB_TTL_SECONDS after they end, once the run is final), so a crashed dispatcher can
   * always find and adopt a Job it created instead of creating a second one.
   */
  ttlSecondsAfterFinished?: number | undefined;
  /** run time limit (JOB_ACTIVE_DEADLINE_SECONDS); a run may override it */
  activeDeadlineSeconds: number;
  resources: JobResources;
  /** secret and key holding the Anthropic API key (ANTHROPIC_SECRET_NAME / ANTHROPIC_SECRET_KEY) */
  anthropicSecret: { name: string; key: string };
  /** service account of agent pods; the namespace default when unset */
  serviceAccountName?: string | undefined;
}

export interface BuildJobInput {
  run: Pick<RunRecord, "id" | "request">;
  names: RunObjectNames;
  namespace: string;
  settings: JobSettings;
  /** the run's CR; garbage collection removes the Job with it */
  owner?: V1OwnerReference;
  /**
   * GitHub App mode: the Secret with the run's own installation token (`runTokenSecretName`), mounted
   * instead of the user's `github-pat-<user>`. The dispatcher creates it right after the Job (owned by
   * it); until it exists the kubelet holds the pod in ContainerCreating.
   */
  githubTokenSecret?: string | undefined;
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/**
 * The Job that runs the agent: one pod, never restarted (`backoffLimit: 0`; retries are new runs),
 * non-root with every capability dropped, the rendered files at `/config` and `settings.json` as
 * Claude Code's managed settings, the GitHub credentials chosen by the URLs it clones, the Anthropic
 * key from a secret, and the run's own env. The result is written to the termination log.
 */
export function buildJob(input: BuildJobInput): V1Job {
  const { run, names, namespace, settings } = input;
  const request = run.request;
  const labels = runLabels(run);
  const overrides = request.overrides ?? {};
  const git = gitCredentialsFor(request);

  const volumes: V1Volume[] = [
    { name: "config", configMap: { name: names.configMap, defaultMode: 0o755 } },
    names.workspacePvc
      ? { name: "workspace", persistentVolumeClaim: { claimName: names.workspacePvc } }
      : { name: "workspace", emptyDir: {} },
    { name: "home", emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: "config", mountPath: AGENT_PATHS.configDir, readOnly: true },
    { name: "config", mountPath: AGENT_PATHS.managedSettings, subPath: "settings.json", readOnly: true },
    { name: "workspace", mountPath: AGENT_PATHS.workspaceDir },
    { name: "home", mountPath: AGENT_HOME },
  ];
  const env: V1EnvVar[] = [];

  if (request.kind === "code") {
    for (const [name, value] of Object.entries(request.env)) {
      if (!isReservedEnvName(name)) env.push({ name, value });
    }
    for (const ref of request.envFromSecrets) {
      if (isReservedEnvName(ref.name)) continue;
      env.push({ name: ref.name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.secretKey } } });
    }
  }
  env.push(
    { name: AGENT_ENV.runId, value: run.id },
    { name: AGENT_ENV.configDir, value: AGENT_PATHS.configDir },
    { name: AGENT_ENV.workspaceDir, value: AGENT_PATHS.workspaceDir },
    { name: AGENT_ENV.resultFile, value: AGENT_PATHS.resultFile },
    { name: AGENT_ENV.managedSettingsFile, value: AGENT_PATHS.managedSettings },
  );
  if (git.ssh) {
    volumes.push({
      name: "git-auth",
      secret: { secretName: git.ssh.secretName, defaultMode: SECRET_FILE_MODE },
    });
    mounts.push({ name: "git-auth", mountPath: AGENT_PATHS.sshKeyDir, readOnly: true });
    env.push({ name: AGENT_ENV.sshKeyDir, value: AGENT_PATHS.sshKeyDir });
  }
  // any https URL: the token clones and pushes. SSH only: git uses the key, and the user's token, when
  // there is one, lets `gh` open the pull request (optional, so a key alone still runs). App mode: the
  // run's own installation token, always there (the pod waits for it rather than run without it).
  const appToken = input.githubTokenSecret;
  volumes.push({
    name: "github-token",
    secret: {
      secretName: appToken ?? git.token.secretName,
      defaultMode: SECRET_FILE_MODE,
      items: [{ key: "token", path: "token", mode: SECRET_FILE_MODE }],
      ...(git.token.required || appToken ? {} : { optional: true }),
    },
  });
  mounts.push({ name: "github-token", mountPath: dirname(AGENT_PATHS.githubTokenFile), readOnly: true });
  env.push({ name: AGENT_ENV.githubTokenFile, value: AGENT_PATHS.githubTokenFile });
  env.push({ name: "HOME", value: AGENT_HOME });
  if (request.kind === "code") env.push({ name: "CLAUDE_CONFIG_DIR", value: CODE_CLAUDE_CONFIG_DIR });
  env.push({
    name: "ANTHROPIC_API_KEY",
    valueFrom: { secretKeyRef: { name: settings.anthropicSecret.name, key: settings.anthropicSecret.key } },
  });

  const image = overrides.imageTag ? withImageTag(settings.image, overrides.imageTag) : settings.image;
  const annotations = { [ANNOTATIONS.runId]: run.id };

  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: names.job,
      namespace,
      labels,
      annotations,
      ...(input.owner ? { ownerReferences: [input.owner] } : {}),
    },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: overrides.activeDeadlineSeconds ?? settings.activeDeadlineSeconds,
      ...(settings.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: "Never",
          // the agent never needs the Kubernetes API
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
          ...(settings.imagePullSecrets.length > 0
            ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: AGENT_UID,
            runAsGroup: AGENT_UID,
            fsGroup: AGENT_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: AGENT_CONTAINER,
              image,
              command: [...AGENT_COMMAND],
              workingDir: AGENT_PATHS.workspaceDir,
              env,
              resources: {
                requests: {
                  cpu: overrides.cpuRequest ?? settings.resources.cpuRequest,
                  memory: overrides.memoryRequest ?? settings.resources.memoryRequest,
                },
                limits: {
                  cpu: overrides.cpuLimit ?? settings.resources.cpuLimit,
                  memory: overrides.memoryLimit ?? settings.resources.memoryLimit,
                },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: mounts,
              terminationMessagePath: AGENT_PATHS.resultFile,
              // the script writes its JSON result there; if it dies first, the log tail explains why
              terminationMessagePolicy: "FallbackToLogsOnError",
            },
          ],
          volumes,
        },
      },
    },
  };
}

/**
 * Owner reference making an object (the run's ConfigMap) a dependent of the run's Job, so it is
 * collected when the Job's TTL deletes the Job. Not the controller: the Job controller manages pods
 * only; and no blockOwnerDeletion, which would need extra RBAC and hold up the Job's deletion.
 */
export function jobOwnerReference(job: Pick<V1Job, "apiVersion" | "kind" | "metadata">): V1OwnerReference {
  const name = job.metadata?.name;
  const uid = job.metadata?.uid;
  if (!name || !uid) throw new Error("cannot reference a Job without a name and uid");
  return {
    apiVersion: job.apiVersion ?? "batch/v1",
    kind: job.kind ?? "Job",
    name,
    uid,
    controller: false,
    blockOwnerDeletion: false,
  };
}
