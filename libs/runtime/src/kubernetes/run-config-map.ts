import type { V1ConfigMap, V1Job, V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";
import { type RenderedFiles, type RunRecord, renderedDigest } from "@orchestrator/contracts";
import {
  ANNOTATIONS,
  apiMessage,
  apiStatus,
  buildConfigMap,
  jobOwnerReference,
  type RunObjectNames,
} from "@orchestrator/kube";
import { classifyKubeError, createOrAdopt, type KubeObjectContext } from "./kube-objects.js";

/**
 * The run's ConfigMap with the rendered files, created owned by the run's CR (or adopted); files a
 * re-render changed are updated unless the Job (whose agent may have read them) exists.
 */
export async function ensureRunConfigMap(
  ctx: KubeObjectContext,
  run: RunRecord,
  names: RunObjectNames,
  namespace: string,
  files: RenderedFiles,
  owner: V1OwnerReference,
): Promise<void> {
  const digest = renderedDigest(files);
  const body = buildConfigMap({ run, name: names.configMap, namespace, files, digest, owner });
  const core = ctx.clients.core;
  const existing = await createOrAdopt<V1ConfigMap>(
    ctx,
    run,
    namespace,
    `ConfigMap ${names.configMap}`,
    () => ctx.call("create", () => core.createNamespacedConfigMap({ namespace, body })),
    () => ctx.call("get", () => core.readNamespacedConfigMap({ name: names.configMap, namespace })),
  );
  if (existing.metadata?.annotations?.[ANNOTATIONS.filesDigest] === digest) return;
  // a re-render changed the files: update them unless the agent may already have read the old ones
  if (await jobExists(ctx, names.job, namespace)) return;
  const replacement: V1ConfigMap = {
    ...body,
    metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } as V1ObjectMeta,
  };
  await ctx
    .call("replace", () =>
      core.replaceNamespacedConfigMap({ name: names.configMap, namespace, body: replacement }),
    )
    .catch((err: unknown) => {
      throw classifyKubeError(err, `updating ConfigMap ${names.configMap}`);
    });
  ctx.log.info({ runId: run.id, configMap: names.configMap }, "updated the run's files after a re-render");
}

/**
 * Makes the Job the ConfigMap's owner instead of the CR, so the files go when the Job's TTL deletes
 * the Job. The Job is the only owner: Kubernetes collects a dependent only once all its owners are
 * gone, so keeping the CR as a second owner would keep the ConfigMap as long as the CR. Deleting the
 * CR still removes the ConfigMap, through the Job it owns. Best effort: the Job exists and runs, so a
 * failure here only leaves the ConfigMap to the CR's lifetime.
 */
export async function handConfigMapToJob(
  ctx: KubeObjectContext,
  run: RunRecord,
  names: RunObjectNames,
  namespace: string,
  job: V1Job,
): Promise<void> {
  const core = ctx.clients.core;
  const owner = jobOwnerReference(job);
  try {
    for (let attempt = 1; ; attempt++) {
      const current = await ctx.call("get", () =>
        core.readNamespacedConfigMap({ name: names.configMap, namespace }),
      );
      const refs = current.metadata?.ownerReferences ?? [];
      if (refs.length === 1 && refs[0]?.uid === owner.uid) return;
      const body: V1ConfigMap = { ...current, metadata: { ...current.metadata, ownerReferences: [owner] } };
      try {
        await ctx.call("replace", () =>
          core.replaceNamespacedConfigMap({ name: names.configMap, namespace, body }),
        );
        return;
      } catch (err) {
        // changed since read (e.g. by a parallel dispatch of the same run): read it again
        if (apiStatus(err) !== 409 || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    ctx.log.warn(
      { runId: run.id, configMap: names.configMap, err: { message: apiMessage(err) } },
      "could not make the Job own the run's ConfigMap; it stays until the CR is deleted",
    );
  }
}

async function jobExists(ctx: KubeObjectContext, name: string, namespace: string): Promise<boolean> {
  try {
    await ctx.call("get", () => ctx.clients.batch.readNamespacedJob({ name, namespace }));
    return true;
  } catch (err) {
    if (apiStatus(err) === 404) return false;
    throw err;
  }
}
