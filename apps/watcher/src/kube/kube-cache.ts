import type { KubernetesObject, V1Job, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";
import {
  ANNOTATIONS,
  CODE_RUN,
  type CodeRun,
  CRD_GROUP,
  CRD_VERSION,
  DOCS_RUN,
  type DocsRun,
  LABELS,
  type RunResource,
} from "@orchestrator/kube";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { KubeReader } from "./kube-reader.js";
import { type ChangeType, ResourceInformer, type WatchTiming } from "./resource-informer.js";

/** The run an object belongs to: its run-id annotation (exact), else its run-id label. */
export function runIdOf(obj: { metadata?: V1ObjectMeta | undefined } | undefined): string | undefined {
  const meta = obj?.metadata;
  return meta?.annotations?.[ANNOTATIONS.runId] ?? meta?.labels?.[LABELS.runId];
}

export type CacheEvent =
  | { resource: "job"; type: ChangeType; object: V1Job }
  | { resource: "pod"; type: ChangeType; object: V1Pod }
  | { resource: "customResource"; type: ChangeType; object: RunResource };

export interface KubeCacheOptions {
  reader: KubeReader;
  namespace: string;
  timing: WatchTiming;
  log: Logger;
  restarts: Counter<"resource">;
  restartDelayMs?: number;
  onEvent: (event: CacheEvent) => void;
  /** a resource finished a (re)list: everything it holds is fresh */
  onSynced: (resource: string) => void;
}

/**
 * Informers on the orchestrator's Jobs and Pods (selected by the run-id label) and on every
 * DocsRun/CodeRun in the namespace (kubectl-applied ones carry no label yet).
 */
export class KubeCache {
  readonly jobs: ResourceInformer<V1Job>;
  readonly pods: ResourceInformer<V1Pod>;
  readonly docsRuns: ResourceInformer<DocsRun>;
  readonly codeRuns: ResourceInformer<CodeRun>;
  readonly namespace: string;

  constructor(options: KubeCacheOptions) {
    const { reader, namespace, timing } = options;
    this.namespace = namespace;
    const labelSelector = LABELS.runId;
    const common = {
      timing,
      log: options.log,
      restarts: options.restarts,
      ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    };
    const watch =
      <T extends KubernetesObject>(path: string, selector?: string) =>
      (
        resourceVersion: string | undefined,
        onEvent: (type: string, obj: T) => void,
        onDone: (err: unknown) => void,
      ) =>
        reader.watch<T>(
          path,
          { resourceVersion, labelSelector: selector, timeoutSeconds: timing.watchTimeoutSeconds },
          onEvent,
          onDone,
        );
    this.jobs = new ResourceInformer<V1Job>({
      ...common,
      resource: "jobs",
      list: () => reader.listJobs(namespace, labelSelector),
      watch: watch(`/apis/batch/v1/namespaces/${namespace}/jobs`, labelSelector),
      onChange: (type, object) => options.onEvent({ resource: "job", type, object }),
      indexBy: runIdOf,
      onSynced: () => options.onSynced("jobs"),
    });
    this.pods = new ResourceInformer<V1Pod>({
      ...common,
      resource: "pods",
      list: () => reader.listPods(namespace, labelSelector),
      watch: watch(`/api/v1/namespaces/${namespace}/pods`, labelSelector),
      onChange: (type, object) => options.onEvent({ resource: "pod", type, object }),
      indexBy: runIdOf,
      onSynced: () => options.onSynced("pods"),
    });
    const customResources = <T extends RunResource>(plural: string) =>
      new ResourceInformer<T>({
        ...common,
        resource: plural,
        list: () => reader.listCustomResources<T>(namespace, plural),
        watch: watch(`/apis/${CRD_GROUP}/${CRD_VERSION}/namespaces/${namespace}/${plural}`),
        onChange: (type, object) => options.onEvent({ resource: "customResource", type, object }),
        onSynced: () => options.onSynced(plural),
      });
    this.docsRuns = customResources<DocsRun>(DOCS_RUN.plural);
    this.codeRuns = customResources<CodeRun>(CODE_RUN.plural);
  }

  private get all() {
    return [this.jobs, this.pods, this.docsRuns, this.codeRuns] as const;
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.stop()));
  }

  get synced(): boolean {
    return this.all.every((informer) => informer.hasSynced);
  }

  jobsOf(runId: string): V1Job[] {
    return this.jobs.indexed(runId);
  }

  podsOf(runId: string): V1Pod[] {
    return this.pods.indexed(runId);
  }

  customResource(kind: "docs" | "code", name: string): RunResource | undefined {
    return kind === "code"
      ? this.codeRuns.get(name, this.namespace)
      : this.docsRuns.get(name, this.namespace);
  }

  customResources(): RunResource[] {
    return [...this.docsRuns.list(), ...this.codeRuns.list()];
  }
}
