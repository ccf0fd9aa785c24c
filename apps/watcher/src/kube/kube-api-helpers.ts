import type { CoreV1Event, V1Job } from "@kubernetes/client-node";
import {
  AGENT_CONTAINER,
  apiStatus,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  DOCS_RUN,
  type KubeClients,
} from "@orchestrator/kube";
import { toMillis } from "./object-time.js";

/** Deletes a Job and, in the background, its pods. A Job that is already gone is fine. */
export async function deleteJob(clients: KubeClients, namespace: string, name: string): Promise<boolean> {
  try {
    await clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
    return true;
  } catch (err) {
    if (apiStatus(err) === 404) return false;
    throw err;
  }
}

/** Whether a Job still exists (a fresh GET, not the cache). */
export async function jobExists(clients: KubeClients, namespace: string, name: string): Promise<boolean> {
  try {
    await clients.batch.readNamespacedJob({ name, namespace });
    return true;
  } catch (err) {
    if (apiStatus(err) === 404) return false;
    throw err;
  }
}

/** The last lines of the agent container's log, or undefined when the log cannot be read. */
export async function readLogTail(
  clients: KubeClients,
  namespace: string,
  pod: string,
  lines = 20,
): Promise<string | undefined> {
  try {
    const text = await clients.core.readNamespacedPodLog({
      name: pod,
      namespace,
      container: AGENT_CONTAINER,
      tailLines: lines,
    });
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a Job could not create its pod (quota, admission webhook, security policy): the message of its
 * newest `FailedCreate` event, if the API keeps one.
 */
export async function failedCreateMessage(clients: KubeClients, job: V1Job): Promise<string | undefined> {
  const name = job.metadata?.name;
  const namespace = job.metadata?.namespace;
  if (!name || !namespace) return undefined;
  try {
    const events = await clients.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name}`,
    });
    const failed = events.items
      .filter((e: CoreV1Event) => e.reason === "FailedCreate" && e.message)
      .sort((a, b) => eventTime(b) - eventTime(a))[0];
    return failed?.message;
  } catch {
    return undefined;
  }
}

function eventTime(event: CoreV1Event): number {
  return toMillis(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp) ?? 0;
}

/** Whether a Job may still start or run a pod (it has not finished). */
export function jobActive(job: V1Job): boolean {
  const conditions = job.status?.conditions ?? [];
  return !conditions.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/**
 * Whether a run's DocsRun/CodeRun is gone or being deleted (a fresh GET): deleting the CR takes its
 * Job and pod with it, and that must read as a cancel, not as a failure.
 */
export async function customResourceGone(
  clients: KubeClients,
  namespace: string,
  kind: "docs" | "code",
  name: string,
): Promise<boolean> {
  try {
    const resource = (await clients.custom.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: kind === "code" ? CODE_RUN.plural : DOCS_RUN.plural,
      name,
    })) as { metadata?: { deletionTimestamp?: string } };
    return Boolean(resource.metadata?.deletionTimestamp);
  } catch (err) {
    return apiStatus(err) === 404;
  }
}
