import type { V1ObjectMeta } from "@kubernetes/client-node";

/** Group, version and names of the orchestrator's custom resources (compatible with the original service). */
export const CRD_GROUP = "orchestrator.platform";
export const CRD_VERSION = "v1";
export const API_VERSION = `${CRD_GROUP}/${CRD_VERSION}`;

export const DOCS_RUN = {
  kind: "DocsRun",
  plural: "docsruns",
  singular: "docsrun",
  shortName: "dr",
} as const;
export const CODE_RUN = {
  kind: "CodeRun",
  plural: "coderuns",
  singular: "coderun",
  shortName: "cr",
} as const;

export interface RunCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Status of both kinds (the watcher writes it through the status subresource). */
export interface RunStatus {
  phase?: string;
  message?: string;
  lastUpdate?: string;
  jobName?: string;
  configmapName?: string;
  pullRequestUrl?: string;
  sessionId?: string;
  retryCount?: number;
  contextVersion?: number;
  conditions?: RunCondition[];
  observedGeneration?: number;
  /** orchestrator run id the resource belongs to */
  runId?: string;
}

export interface DocsRunSpec {
  repositoryUrl: string;
  workingDirectory: string;
  sourceBranch: string;
  model?: string;
  githubUser: string;
}

export interface EnvFromSecretRef {
  name: string;
  secretName: string;
  secretKey: string;
}

export interface CodeRunSpec {
  taskId: number;
  service: string;
  repositoryUrl: string;
  docsRepositoryUrl: string;
  docsProjectDirectory?: string;
  docsBranch?: string;
  workingDirectory?: string;
  model?: string;
  githubUser: string;
  toolConfig?: "minimal" | "default" | "advanced";
  /** comma-separated MCP tool names (as in the original CRD) */
  localTools?: string;
  remoteTools?: string;
  contextVersion?: number;
  promptModification?: string;
  promptMode?: "append" | "replace";
  continueSession?: boolean;
  overwriteMemory?: boolean;
  env?: Record<string, string>;
  envFromSecrets?: EnvFromSecretRef[];
  /** brief-era target branch */
  branch?: string;
  maxRetries?: number;
}

export interface DocsRun {
  apiVersion: typeof API_VERSION;
  kind: "DocsRun";
  metadata: V1ObjectMeta;
  spec: DocsRunSpec;
  status?: RunStatus;
}

export interface CodeRun {
  apiVersion: typeof API_VERSION;
  kind: "CodeRun";
  metadata: V1ObjectMeta;
  spec: CodeRunSpec;
  status?: RunStatus;
}

export type RunResource = DocsRun | CodeRun;
