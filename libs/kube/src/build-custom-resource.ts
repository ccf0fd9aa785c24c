import type { V1OwnerReference } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import {
  API_VERSION,
  CODE_RUN,
  type CodeRun,
  type CodeRunSpec,
  DOCS_RUN,
  type DocsRun,
  type RunResource,
} from "./custom-resources.js";
import { ANNOTATIONS, runLabels } from "./labels.js";

export interface BuildCustomResourceInput {
  run: Pick<RunRecord, "id" | "request">;
  name: string;
  namespace: string;
}

/**
 * The DocsRun/CodeRun that represents a run in the cluster and owns its Job (which owns the ConfigMap
 * once it exists), labelled as created by the dispatcher (`CREATED_BY_DISPATCHER_SELECTOR`). Its spec
 * uses the original service's field names, so `kubectl get cr` shows what was asked for. Status is
 * not set here: the API server drops it on create (status subresource); the watcher patches it.
 */
export function buildCustomResource(input: BuildCustomResourceInput): RunResource {
  const { run, name, namespace } = input;
  const request = run.request;
  const annotations: Record<string, string> = {
    [ANNOTATIONS.runId]: run.id,
    [ANNOTATIONS.repositoryUrl]: request.repositoryUrl,
  };
  // the Job gets these; the CR's spec has no field for them, so `kubectl get -o yaml` shows them here
  if (request.overrides && Object.keys(request.overrides).length > 0)
    annotations[ANNOTATIONS.overrides] = JSON.stringify(request.overrides);
  const metadata = { name, namespace, labels: runLabels(run), annotations };
  if (request.kind === "docs") {
    const docs: DocsRun = {
      apiVersion: API_VERSION,
      kind: DOCS_RUN.kind,
      metadata,
      spec: {
        repositoryUrl: request.repositoryUrl,
        workingDirectory: request.workingDirectory,
        sourceBranch: request.sourceBranch,
        model: request.model,
        githubUser: request.githubUser,
      },
    };
    return docs;
  }
  const spec: CodeRunSpec = {
    taskId: request.taskId,
    service: request.service,
    repositoryUrl: request.repositoryUrl,
    docsRepositoryUrl: request.docsRepositoryUrl,
    docsBranch: request.docsBranch,
    workingDirectory: request.workingDirectory,
    model: request.model,
    githubUser: request.githubUser,
    toolConfig: request.toolConfig,
    contextVersion: request.contextVersion,
    promptMode: request.promptMode,
    continueSession: request.continueSession,
    overwriteMemory: request.overwriteMemory,
    env: request.env,
    envFromSecrets: request.envFromSecrets,
    branch: request.branch,
    maxRetries: request.maxRetries,
  };
  if (request.docsProjectDirectory !== undefined) spec.docsProjectDirectory = request.docsProjectDirectory;
  // the original CRD carries tool lists as comma-separated strings
  if (request.localTools !== undefined) spec.localTools = request.localTools.join(",");
  if (request.remoteTools !== undefined) spec.remoteTools = request.remoteTools.join(",");
  if (request.promptModification !== undefined) spec.promptModification = request.promptModification;
  const code: CodeRun = { apiVersion: API_VERSION, kind: CODE_RUN.kind, metadata, spec };
  return code;
}

/**
 * Owner reference to a run's custom resource: deleting the CR garbage-collects its ConfigMap and
 * Job. `controller: true` marks the CR as the managing object (`kubectl get job -o wide`, informers).
 */
export function ownerReferenceTo(resource: {
  kind: string;
  metadata: { name?: string; uid?: string };
}): V1OwnerReference {
  const { name, uid } = resource.metadata;
  if (!name || !uid) throw new Error(`cannot reference ${resource.kind} without a name and uid`);
  return {
    apiVersion: API_VERSION,
    kind: resource.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
