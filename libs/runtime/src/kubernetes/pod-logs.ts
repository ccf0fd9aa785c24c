import { PassThrough } from "node:stream";
import { Log, type V1Pod } from "@kubernetes/client-node";
import { isTerminalPhase, type RunRecord } from "@orchestrator/contracts";
import { AGENT_CONTAINER, apiMessage, apiStatus, runSelector } from "@orchestrator/kube";
import { sleep } from "../abortable-sleep.js";
import { LogsUnavailableError } from "../logs-unavailable-error.js";
import type { LogOptions } from "../runtime.js";
import type { KubeObjectContext } from "./kube-objects.js";

/**
 * The agent container's log of a run's pod: all of it, or followed until it ends. A follow waits for
 * the pod (looking every `pollMs`) and for its container to start.
 */
export async function* readPodLogs(
  ctx: KubeObjectContext,
  run: RunRecord,
  namespace: string,
  options: LogOptions,
  pollMs: number,
): AsyncIterable<string | Uint8Array> {
  const signal = options.signal;
  for (;;) {
    if (signal?.aborted) return;
    const pod = await findPod(ctx, run, namespace);
    if (pod?.metadata?.name) {
      const name = pod.metadata.name;
      if (!options.follow) {
        try {
          const text = await ctx.call("get", () =>
            ctx.clients.core.readNamespacedPodLog({
              name,
              namespace,
              container: AGENT_CONTAINER,
              ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
            }),
          );
          if (text) yield text;
          return;
        } catch (err) {
          throw new LogsUnavailableError(
            run.id,
            `logs of pod ${name} are not available: ${apiMessage(err)}`,
            {
              cause: err,
            },
          );
        }
      }
      const started = yield* follow(ctx, namespace, name, options);
      if (started) return;
    } else if (!options.follow || isTerminalPhase(run.phase)) {
      // a finished run's pod is gone once its Job's TTL passed: nothing will appear any more
      throw new LogsUnavailableError(
        run.id,
        `run ${run.id} has no pod${isTerminalPhase(run.phase) ? " any more" : " (yet)"} in namespace ${namespace}`,
      );
    }
    // no pod yet, or its container is still starting: look again
    await sleep(pollMs, signal);
  }
}

/** Streams a pod's log until it ends; returns false when the container has not started yet. */
async function* follow(
  ctx: KubeObjectContext,
  namespace: string,
  pod: string,
  options: LogOptions,
): AsyncGenerator<Uint8Array, boolean> {
  const stream = new PassThrough();
  let controller: AbortController;
  try {
    controller = await new Log(ctx.clients.kubeConfig).log(namespace, pod, AGENT_CONTAINER, stream, {
      follow: true,
      ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    });
  } catch (err) {
    const status = apiStatus(err);
    if (status === 400 || status === 404) return false;
    throw err;
  }
  const stop = () => {
    controller.abort();
    stream.end();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    options.signal?.removeEventListener("abort", stop);
    controller.abort();
  }
  return true;
}

async function findPod(
  ctx: KubeObjectContext,
  run: RunRecord,
  namespace: string,
): Promise<V1Pod | undefined> {
  if (run.links.pod) {
    try {
      return await ctx.call("get", () =>
        ctx.clients.core.readNamespacedPod({ name: run.links.pod!, namespace }),
      );
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
    }
  }
  const list = await ctx.call("list", () =>
    ctx.clients.core.listNamespacedPod({ namespace, labelSelector: runSelector(run.id) }),
  );
  const time = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...list.items].sort((a, b) => time(b) - time(a))[0];
}
