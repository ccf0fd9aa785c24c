import {
  CoordinationV1Api,
  type CoreV1Event,
  type KubernetesListObject,
  type V1Job,
  type V1Lease,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import {
  AGENT_CONTAINER,
  apiStatus,
  CRD_GROUP,
  CRD_VERSION,
  type KubeClients,
  type RunResource,
} from "@orchestrator/kube";
import { toMillis } from "./object-time.js";
import { withTimeout } from "./with-timeout.js";

/** Longest wait for one API call (list, get) before it counts as failed. */
export const REQUEST_TIMEOUT_MS = 15_000;
const timed = <T>(what: string, call: Promise<T>) => withTimeout(call, REQUEST_TIMEOUT_MS, what);

/** An open watch; `abort()` ends it. */
export interface WatchHandle {
  abort(): void;
}

/**
 * The watcher's one way of reading the Kubernetes API (lists, watches, fresh GETs). Every read the
 * watcher makes goes through here; writes go through {@link KubeWriter}.
 */
export class KubeReader {
  private readonly watcher: Watch;
  private readonly coordination: CoordinationV1Api;

  constructor(private readonly clients: KubeClients) {
    this.watcher = new Watch(clients.kubeConfig);
    this.coordination = clients.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  listJobs(namespace: string, labelSelector?: string): Promise<KubernetesListObject<V1Job>> {
    return timed(
      "listing Jobs",
      this.clients.batch.listNamespacedJob({ namespace, ...(labelSelector ? { labelSelector } : {}) }),
    );
  }

  listPods(namespace: string, labelSelector?: string): Promise<KubernetesListObject<V1Pod>> {
    return timed(
      "listing pods",
      this.clients.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }),
    );
  }

  async listCustomResources<T extends RunResource>(
    namespace: string,
    plural: string,
  ): Promise<KubernetesListObject<T>> {
    return (await timed(
      `listing ${plural}`,
      this.clients.custom.listNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        namespace,
        plural,
      }),
    )) as KubernetesListObject<T>;
  }

  /** Watches a collection path from a resource version, with `timeoutSeconds` and bookmarks. */
  watch<T>(
    path: string,
    query: {
      resourceVersion?: string | undefined;
      labelSelector?: string | undefined;
      timeoutSeconds: number;
    },
    onEvent: (type: string, obj: T) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    const params: Record<string, string | number | boolean> = {
      allowWatchBookmarks: true,
      timeoutSeconds: query.timeoutSeconds,
    };
    if (query.resourceVersion) params.resourceVersion = query.resourceVersion;
    if (query.labelSelector) params.labelSelector = query.labelSelector;
    return this.watcher.watch(path, params, (type, obj) => onEvent(type, obj as T), onDone);
  }

  /** Whether a Job still exists (a fresh GET, not the cache). */
  async jobExists(namespace: string, name: string): Promise<boolean> {
    try {
      await timed("reading a Job", this.clients.batch.readNamespacedJob({ name, namespace }));
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }

  /** A custom object, fresh; undefined when it does not exist. */
  async customResource(namespace: string, plural: string, name: string): Promise<RunResource | undefined> {
    try {
      return (await timed(
        `reading a ${plural} object`,
        this.clients.custom.getNamespacedCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          namespace,
          plural,
          name,
        }),
      )) as RunResource;
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** The last lines of the agent container's log, or undefined when the log cannot be read. */
  async logTail(namespace: string, pod: string, lines = 20): Promise<string | undefined> {
    try {
      const text = await timed(
        "reading a pod log",
        this.clients.core.readNamespacedPodLog({
          name: pod,
          namespace,
          container: AGENT_CONTAINER,
          tailLines: lines,
        }),
      );
      return typeof text === "string" ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** Why a Job could not create its pod (quota, admission): its newest `FailedCreate` event's message. */
  async failedCreateMessage(job: V1Job): Promise<string | undefined> {
    const name = job.metadata?.name;
    const namespace = job.metadata?.namespace;
    if (!name || !namespace) return undefined;
    try {
      const events = await timed(
        "listing events",
        this.clients.core.listNamespacedEvent({
          namespace,
          fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name}`,
        }),
      );
      const time = (e: CoreV1Event) =>
        toMillis(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp) ?? 0;
      return events.items
        .filter((e) => e.reason === "FailedCreate" && e.message)
        .sort((a, b) => time(b) - time(a))[0]?.message;
    } catch {
      return undefined;
    }
  }

  /** A Lease (leader election); undefined when it does not exist. */
  async lease(namespace: string, name: string): Promise<V1Lease | undefined> {
    try {
      return await timed("reading the Lease", this.coordination.readNamespacedLease({ name, namespace }));
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
