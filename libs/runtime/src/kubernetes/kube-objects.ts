import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import { apiMessage, apiStatus, belongsToRun, type KubeClients } from "@orchestrator/kube";
import type { Logger } from "pino";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";

/** What the pieces of the Kubernetes runtime share: clients, log, retried calls, error classification. */
export interface KubeObjectContext {
  clients: KubeClients;
  log: Logger;
  /** one API call with the runtime's retry policy */
  call<T>(verb: string, fn: () => Promise<T>): Promise<T>;
  /** turns a non-retryable API answer into a permanent failure */
  classify(err: unknown, what: string): unknown;
}

/** Turns a non-retryable API answer into a permanent failure; anything else is returned as is. */
export function classifyKubeError(err: unknown, what: string): unknown {
  const status = apiStatus(err);
  // 404/409 are answered by the callers that expect them; met elsewhere they mean a race: try again
  if (status === undefined || status >= 500 || status === 429 || status === 409 || status === 404) return err;
  return new PermanentDispatchError("rejected", `${what} was rejected (HTTP ${status}): ${apiMessage(err)}`, {
    cause: err,
  });
}

/**
 * Creates an object; a 409 means an earlier attempt (or a create that succeeded although its
 * answer was lost) made it, which is fine when it carries this run's label and a conflict otherwise.
 */
export async function createOrAdopt<T extends { metadata?: V1ObjectMeta | undefined }>(
  ctx: KubeObjectContext,
  run: Pick<RunRecord, "id">,
  namespace: string,
  what: string,
  create: () => Promise<T>,
  read: () => Promise<T>,
): Promise<T> {
  try {
    const created = await create();
    ctx.log.debug({ runId: run.id }, `created ${what}`);
    return created;
  } catch (err) {
    const status = apiStatus(err);
    if (status === 404) {
      // creating a namespaced object 404s only when its namespace or resource type is missing
      throw new PermanentDispatchError(
        "missing-namespace",
        `creating ${what} failed: namespace "${namespace}" or the resource type does not exist ` +
          `(kubectl create namespace ${namespace}; kubectl apply -f deploy/crds/)`,
        { cause: err },
      );
    }
    if (status !== 409) throw ctx.classify(err, `creating ${what}`);
  }
  let existing: T;
  try {
    existing = await read();
  } catch (err) {
    throw ctx.classify(err, `reading ${what}`);
  }
  if (!belongsToRun(existing.metadata?.labels, run.id)) {
    throw new PermanentDispatchError(
      "conflict",
      `${what} already exists in the cluster and does not belong to run ${run.id}; delete it or pick another namespace`,
    );
  }
  return existing;
}
