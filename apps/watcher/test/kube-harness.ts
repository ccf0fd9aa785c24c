import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunRecord } from "@orchestrator/contracts";
import {
  buildConfigMap,
  buildCustomResource,
  buildJob,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  createKubeClients,
  DOCS_RUN,
  type JobSettings,
  type KubeClients,
  ownerReferenceTo,
  type RunResource,
  runObjectNames,
} from "@orchestrator/kube";
import { type KubeSim, loadCrdsFromDir, type PodOutcome, startKubeSim } from "@orchestrator/kube-sim";
import type { RunStore } from "@orchestrator/run-store";

const CRD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../deploy/crds");

/** The Kubernetes API simulator with the project's CRDs, fast kubelet phases and compressed time. */
export async function startSim(): Promise<{ sim: KubeSim; clients: KubeClients }> {
  const sim = await startKubeSim({
    seed: 7,
    tickMs: 5,
    timeScale: 0.01,
    crds: await loadCrdsFromDir(CRD_DIR),
    kubelet: {
      scheduleDelayMs: 2,
      startDelayMs: 5,
      runDurationMs: 50,
      imagePullBackOffMs: 10,
      terminationDelayMs: 5,
    },
  });
  return { sim, clients: createKubeClients(sim.kubeConfig()) };
}

export const JOB_SETTINGS: JobSettings = {
  image: "anthropic/claude-code:latest",
  imagePullSecrets: [],
  ttlSecondsAfterFinished: 1800,
  activeDeadlineSeconds: 7200,
  resources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
  anthropicSecret: { name: "anthropic-api-key", key: "api-key" },
};

/** Scripts what happens to the pod of a run's Job. */
export function scriptRun(sim: KubeSim, run: RunRecord, outcome: PodOutcome): void {
  sim.kubelet.addOutcomeRule({ match: { jobName: runObjectNames(run).job }, outcome });
}

/**
 * What the dispatcher does for a run: the CR (unless it came from kubectl), the ConfigMap and the Job,
 * all built with the libs/kube builders and owned by the CR, then `Dispatched` with the links.
 */
export async function dispatchRun(
  clients: KubeClients,
  runStore: RunStore,
  run: RunRecord,
  namespace = "default",
): Promise<RunRecord> {
  if (run.phase === "Queued") await runStore.transition(run.id, "Rendering", "rendering templates");
  const names = await createRunObjects(clients, run, namespace);
  // as the dispatcher: the watcher may have recorded it already (it follows Jobs from their creation)
  const moved = await runStore.tryTransition(
    run.id,
    "Dispatched",
    `created Job ${names.job} in namespace ${namespace}`,
    {
      links: { namespace, customResource: names.customResource, configMap: names.configMap, job: names.job },
    },
  );
  return moved ?? (await runStore.get(run.id))!;
}

/** The objects the dispatcher creates for a run (CR unless kubectl-applied, ConfigMap, Job), nothing recorded. */
export async function createRunObjects(
  clients: KubeClients,
  run: RunRecord,
  namespace = "default",
): Promise<ReturnType<typeof runObjectNames>> {
  const names = runObjectNames(run);
  const plural = run.kind === "code" ? CODE_RUN.plural : DOCS_RUN.plural;
  const ref = { group: CRD_GROUP, version: CRD_VERSION, namespace, plural };
  let resource: RunResource;
  if (run.request.source.type === "kubernetes") {
    resource = (await clients.custom.getNamespacedCustomObject({
      ...ref,
      name: names.customResource,
    })) as RunResource;
  } else {
    const body = buildCustomResource({ run, name: names.customResource, namespace });
    resource = (await clients.custom.createNamespacedCustomObject({ ...ref, body })) as RunResource;
  }
  const owner = ownerReferenceTo(resource);
  await clients.core.createNamespacedConfigMap({
    namespace,
    body: buildConfigMap({
      run,
      name: names.configMap,
      namespace,
      files: { "container.sh": "true" },
      digest: "d",
      owner,
    }),
  });
  await clients.batch.createNamespacedJob({
    namespace,
    body: buildJob({ run, names, namespace, settings: JOB_SETTINGS, owner }),
  });
  return names;
}

export function readCustomResource(sim: KubeSim, run: RunRecord): RunResource | undefined {
  const plural = run.kind === "code" ? CODE_RUN.plural : DOCS_RUN.plural;
  return sim.objects.get(`${plural}.${CRD_GROUP}`, "default", runObjectNames(run).customResource) as
    | RunResource
    | undefined;
}
