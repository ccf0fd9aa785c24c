import type { V1Job } from "@kubernetes/client-node";
import { ANNOTATIONS, apiStatus, CREATED_BY_DISPATCHER_SELECTOR, type KubeClients } from "@orchestrator/kube";
import type { AgentState, FinishedAgent } from "../runtime.js";

type Call = <T>(verb: string, fn: () => Promise<T>) => Promise<T>;

/** What a Job's status says about its agent. */
export function agentStateOfJob(job: V1Job, namespace: string): AgentState {
  const name = job.metadata?.name ?? "";
  const links = { namespace, job: name };
  const condition = (type: string) =>
    job.status?.conditions?.find((c) => c.type === type && c.status === "True");
  const complete = condition("Complete");
  if (complete) {
    const finishedAt = job.status?.completionTime ?? complete.lastTransitionTime;
    return {
      state: "succeeded",
      links,
      ...(finishedAt ? { finishedAt: new Date(finishedAt).toISOString() } : {}),
    };
  }
  const failed = condition("Failed");
  if (failed) {
    const finishedAt = failed.lastTransitionTime;
    return {
      state: "failed",
      links,
      reason: `Job ${name} failed: ${failed.reason ?? "Failed"}${failed.message ? ` (${failed.message})` : ""}`,
      ...(finishedAt ? { finishedAt: new Date(finishedAt).toISOString() } : {}),
    };
  }
  return { state: "running", links };
}

/** Reads a run's Job by its deterministic name; `absent` when it does not exist (or is someone else's). */
export async function inspectJob(
  clients: KubeClients,
  call: Call,
  input: { runId: string; name: string; namespace: string },
): Promise<AgentState> {
  let job: V1Job;
  try {
    job = await call("get", () =>
      clients.batch.readNamespacedJob({ name: input.name, namespace: input.namespace }),
    );
  } catch (err) {
    if (apiStatus(err) === 404) return { state: "absent" };
    throw err;
  }
  if (job.metadata?.annotations?.[ANNOTATIONS.runId] !== input.runId) return { state: "absent" };
  return agentStateOfJob(job, input.namespace);
}

/**
 * Finished agent Jobs the dispatcher created in its namespace. Each comes with the way to delete it
 * (background: its pod and ConfigMap go with it). Namespaced on purpose: the shipped Role grants no
 * cluster-wide rights, so a list across all namespaces would only ever be denied.
 */
export async function listFinishedJobs(
  clients: KubeClients,
  call: Call,
  namespace: string,
): Promise<FinishedAgent[]> {
  const labelSelector = CREATED_BY_DISPATCHER_SELECTOR;
  const items: V1Job[] = (
    await call("list", () => clients.batch.listNamespacedJob({ namespace, labelSelector }))
  ).items;
  const finished: FinishedAgent[] = [];
  for (const job of items) {
    const runId = job.metadata?.annotations?.[ANNOTATIONS.runId];
    const name = job.metadata?.name;
    const jobNamespace = job.metadata?.namespace ?? namespace;
    if (!runId || !name || job.metadata?.deletionTimestamp) continue;
    const state = agentStateOfJob(job, jobNamespace);
    if (state.state !== "succeeded" && state.state !== "failed") continue;
    finished.push({
      runId,
      namespace: jobNamespace,
      name,
      finishedAt: state.finishedAt ?? new Date(0).toISOString(),
      remove: async () => {
        try {
          await call("delete", () =>
            clients.batch.deleteNamespacedJob({
              name,
              namespace: jobNamespace,
              propagationPolicy: "Background",
            }),
          );
        } catch (err) {
          if (apiStatus(err) !== 404) throw err;
        }
      },
    });
  }
  return finished;
}
