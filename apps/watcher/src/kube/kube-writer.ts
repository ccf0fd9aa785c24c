import { CoordinationV1Api, PatchStrategy, setHeaderOptions, type V1Lease } from "@kubernetes/client-node";
import { apiStatus, CRD_GROUP, CRD_VERSION, type KubeClients, type RunResource } from "@orchestrator/kube";
import { REQUEST_TIMEOUT_MS } from "./kube-reader.js";
import { withTimeout } from "./with-timeout.js";

const timed = <T>(what: string, call: Promise<T>) => withTimeout(call, REQUEST_TIMEOUT_MS, what);
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Names a DocsRun/CodeRun. */
export interface CustomResourceRef {
  namespace: string;
  plural: string;
  name: string;
}

/**
 * The watcher's one way of changing the Kubernetes API: CR status and metadata patches, deletes and
 * its Lease. Every write the watcher makes goes through here; reads go through {@link KubeReader}.
 * A delete of something already gone is not an error (returns false).
 */
export class KubeWriter {
  private readonly coordination: CoordinationV1Api;

  constructor(private readonly clients: KubeClients) {
    this.coordination = clients.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Deletes a Job and, in the background, its pods. */
  deleteJob(namespace: string, name: string): Promise<boolean> {
    return gone404(() =>
      timed(
        "deleting a Job",
        this.clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" }),
      ),
    );
  }

  deletePod(namespace: string, name: string): Promise<boolean> {
    return gone404(() => timed("deleting a pod", this.clients.core.deleteNamespacedPod({ name, namespace })));
  }

  /**
   * Deletes a DocsRun/CodeRun with background propagation (its ConfigMap and Job go with it); with
   * `uid`, only that object (not one re-created under the same name meanwhile).
   */
  deleteCustomResource(ref: CustomResourceRef, uid?: string): Promise<boolean> {
    return gone404(() =>
      timed(
        "deleting a custom resource",
        this.clients.custom.deleteNamespacedCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          ...ref,
          propagationPolicy: "Background",
          ...(uid ? { body: { preconditions: { uid } } } : {}),
        }),
      ),
    );
  }

  /** Merge-patches a CR's status subresource (or, with `status: false`, the object itself). */
  async patchCustomResource(
    ref: CustomResourceRef,
    body: object,
    options: { status: boolean },
  ): Promise<RunResource | undefined> {
    const request = { group: CRD_GROUP, version: CRD_VERSION, ...ref, body };
    try {
      return (await timed(
        "patching a custom resource",
        options.status
          ? this.clients.custom.patchNamespacedCustomObjectStatus(request, MERGE_PATCH)
          : this.clients.custom.patchNamespacedCustomObject(request, MERGE_PATCH),
      )) as RunResource;
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  createLease(namespace: string, body: V1Lease): Promise<V1Lease> {
    return timed("creating the Lease", this.coordination.createNamespacedLease({ namespace, body }));
  }

  /** Replaces a Lease; the body's resourceVersion makes it fail with 409 if someone else wrote first. */
  replaceLease(namespace: string, name: string, body: V1Lease): Promise<V1Lease> {
    return timed("renewing the Lease", this.coordination.replaceNamespacedLease({ namespace, name, body }));
  }
}

async function gone404(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (apiStatus(err) === 404) return false;
    throw err;
  }
}
