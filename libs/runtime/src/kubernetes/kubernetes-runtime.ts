import { PassThrough } from "node:stream";
import {
  Log,
  type V1ConfigMap,
  type V1Job,
  type V1ObjectMeta,
  type V1OwnerReference,
  type V1Pod,
} from "@kubernetes/client-node";
import { isTerminalPhase, type RenderedFiles, type RunRecord, renderedDigest } from "@orchestrator/contracts";
import {
  AGENT_CONTAINER,
  ANNOTATIONS,
  apiMessage,
  apiStatus,
  belongsToRun,
  buildConfigMap,
  buildCustomResource,
  buildJob,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  configMapDataBytes,
  DOCS_RUN,
  type JobSettings,
  jobOwnerReference,
  type KubeClients,
  MAX_CONFIG_MAP_DATA_BYTES,
  ownerReferenceTo,
  type RunObjectNames,
  type RunResource,
  runObjectNames,
  runSelector,
  type WorkspacePvcSettings,
} from "@orchestrator/kube";
import type { Logger } from "pino";
import { sleep } from "../abortable-sleep.js";
import { LogsUnavailableError } from "../logs-unavailable-error.js";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import type { AgentState, DispatchResult, FinishedAgent, LogOptions, Runtime } from "../runtime.js";
import { inspectJob, listFinishedJobs } from "./job-state.js";
import { type KubeRetryOptions, withKubeRetry } from "./kube-retry.js";
import { requiredSecrets } from "./secret-hints.js";
import { ensureWorkspaceClaim } from "./workspace-claim.js";

export interface KubernetesRuntimeOptions {
  clients: KubeClients;
  /** namespace of runs (KUBERNETES_NAMESPACE); runs from a CR applied with kubectl use the CR's */
  namespace: string;
  job: JobSettings;
  workspace: WorkspacePvcSettings;
  log: Logger;
  /** retry policy of single API calls, and the error hook for metrics */
  retry?: KubeRetryOptions;
  /** how often a log follow looks for the run's pod before it exists. @defaultValue 1000 */
  logPollMs?: number;
}

/**
 * Runs agents as Kubernetes Jobs: per run a DocsRun/CodeRun owning a Job, which owns the ConfigMap
 * with the rendered files, plus the service's workspace PVC for code runs. Every object has a name
 * derived from the run id, so a repeated dispatch adopts what exists (409 → read it back and check its
 * run-id label) and never creates a second Job.
 */
export class KubernetesRuntime implements Runtime {
  readonly kind = "kubernetes" as const;
  private readonly clients: KubeClients;
  private readonly log: Logger;

  constructor(private readonly options: KubernetesRuntimeOptions) {
    this.clients = options.clients;
    this.log = options.log;
  }

  /** Namespace of a run's objects. */
  namespaceOf(run: Pick<RunRecord, "request">): string {
    const source = run.request.source;
    return source.type === "kubernetes" ? source.namespace : this.options.namespace;
  }

  async dispatch(run: RunRecord, files: RenderedFiles): Promise<DispatchResult> {
    const namespace = this.namespaceOf(run);
    const names = runObjectNames(run);
    const size = configMapDataBytes(files);
    if (size > MAX_CONFIG_MAP_DATA_BYTES) {
      throw new PermanentDispatchError(
        "too-large",
        `the rendered files are ${size} bytes; a ConfigMap holds at most ${MAX_CONFIG_MAP_DATA_BYTES} (shorten the instructions or templates)`,
      );
    }
    // no GET of the Namespace: that needs a cluster-wide grant; a missing namespace shows as missing
    // secrets here (their message says so) or as a 404 on the first create
    await this.checkSecrets(run, namespace);
    if (run.request.kind === "code") {
      await ensureWorkspaceClaim(
        {
          clients: this.clients,
          settings: this.options.workspace,
          log: this.log,
          call: (verb, fn) => this.call(verb, fn),
          classify: (err, what) => this.classify(err, what),
        },
        run,
        run.request.service,
        namespace,
      );
    }
    const resource = await this.ensureCustomResource(run, names, namespace);
    const owner = ownerReferenceTo(resource);
    await this.ensureConfigMap(run, names, namespace, files, owner);
    const job = await this.ensureJob(run, names, namespace, owner);
    await this.handConfigMapToJob(run, names, namespace, job);
    return {
      links: { namespace, customResource: names.customResource, configMap: names.configMap, job: names.job },
    };
  }

  inspect(run: Pick<RunRecord, "id" | "kind" | "request" | "links">): Promise<AgentState> {
    const namespace = run.links.namespace ?? this.namespaceOf(run);
    const name = run.links.job ?? runObjectNames(run).job;
    return inspectJob(this.clients, (verb, fn) => this.call(verb, fn), { runId: run.id, name, namespace });
  }

  finishedAgents(): Promise<FinishedAgent[]> {
    return listFinishedJobs(this.clients, (verb, fn) => this.call(verb, fn), this.options.namespace);
  }

  async cancel(run: RunRecord): Promise<void> {
    const namespace = run.links.namespace ?? this.namespaceOf(run);
    const name = run.links.job ?? runObjectNames(run).job;
    try {
      // background: the Job goes at once, its pod is terminated and collected after it
      await this.call("delete", () =>
        this.clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" }),
      );
      this.log.info({ runId: run.id, job: name, namespace }, "deleted the run's Job");
    } catch (err) {
      if (apiStatus(err) === 404) return;
      throw this.classify(err, `deleting Job ${name}`);
    }
  }

  async *logs(run: RunRecord, options: LogOptions): AsyncIterable<string | Uint8Array> {
    const namespace = run.links.namespace ?? this.namespaceOf(run);
    const poll = this.options.logPollMs ?? 1000;
    const signal = options.signal;
    for (;;) {
      if (signal?.aborted) return;
      const pod = await this.findPod(run, namespace);
      if (pod?.metadata?.name) {
        const name = pod.metadata.name;
        if (!options.follow) {
          try {
            const text = await this.call("get", () =>
              this.clients.core.readNamespacedPodLog({
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
              { cause: err },
            );
          }
        }
        const started = yield* this.follow(namespace, name, options);
        if (started) return;
      } else if (!options.follow || isTerminalPhase(run.phase)) {
        // a finished run's pod is gone once its Job's TTL passed: nothing will appear any more
        throw new LogsUnavailableError(
          run.id,
          `run ${run.id} has no pod${isTerminalPhase(run.phase) ? " any more" : " (yet)"} in namespace ${namespace}`,
        );
      }
      // no pod yet, or its container is still starting: look again
      await sleep(poll, signal);
    }
  }

  /** Streams a pod's log until it ends; returns false when the container has not started yet. */
  private async *follow(
    namespace: string,
    pod: string,
    options: LogOptions,
  ): AsyncGenerator<Uint8Array, boolean> {
    const stream = new PassThrough();
    let controller: AbortController;
    try {
      controller = await new Log(this.clients.kubeConfig).log(namespace, pod, AGENT_CONTAINER, stream, {
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

  private async findPod(run: RunRecord, namespace: string): Promise<V1Pod | undefined> {
    if (run.links.pod) {
      try {
        return await this.call("get", () =>
          this.clients.core.readNamespacedPod({ name: run.links.pod!, namespace }),
        );
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
    }
    const list = await this.call("list", () =>
      this.clients.core.listNamespacedPod({ namespace, labelSelector: runSelector(run.id) }),
    );
    const time = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
    return [...list.items].sort((a, b) => time(b) - time(a))[0];
  }

  private call<T>(verb: string, fn: () => Promise<T>): Promise<T> {
    return withKubeRetry(verb, fn, this.options.retry);
  }

  /** Turns a non-retryable API answer into a permanent failure; anything else is rethrown as is. */
  private classify(err: unknown, what: string): unknown {
    const status = apiStatus(err);
    // 404/409 are answered by the callers that expect them; met elsewhere they mean a race: try again
    if (status === undefined || status >= 500 || status === 429 || status === 409 || status === 404)
      return err;
    return new PermanentDispatchError(
      "rejected",
      `${what} was rejected (HTTP ${status}): ${apiMessage(err)}`,
      { cause: err },
    );
  }

  /** Fails the run naming every secret it needs that is missing or lacks its key, with how to create it. */
  private async checkSecrets(run: RunRecord, namespace: string): Promise<void> {
    const problems: string[] = [];
    let cause: unknown;
    let missing = 0;
    const required = requiredSecrets(run, namespace, this.options.job.anthropicSecret);
    for (const secret of required) {
      let data: Record<string, string>;
      try {
        const found = await this.call("get", () =>
          this.clients.core.readNamespacedSecret({ name: secret.name, namespace }),
        );
        data = { ...found.data, ...found.stringData };
      } catch (err) {
        if (apiStatus(err) !== 404) throw this.classify(err, `reading secret ${secret.name}`);
        cause ??= err;
        missing++;
        problems.push(`secret "${secret.name}" does not exist in namespace "${namespace}": ${secret.hint}`);
        continue;
      }
      if (!data[secret.key]) {
        problems.push(
          `secret "${secret.name}" in namespace "${namespace}" has no key "${secret.key}": ${secret.hint}`,
        );
      }
    }
    if (problems.length === 0) return;
    let message =
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} secrets the run needs are missing: ${problems.map((p, i) => `(${i + 1}) ${p}`).join("; ")}`;
    if (missing === required.length)
      message += ` (if namespace "${namespace}" does not exist: kubectl create namespace ${namespace}, or set KUBERNETES_NAMESPACE)`;
    throw new PermanentDispatchError("missing-secret", message, cause === undefined ? undefined : { cause });
  }

  private async ensureCustomResource(
    run: RunRecord,
    names: RunObjectNames,
    namespace: string,
  ): Promise<RunResource> {
    const source = run.request.source;
    const kind = run.kind === "code" ? CODE_RUN : DOCS_RUN;
    const ref = { group: CRD_GROUP, version: CRD_VERSION, namespace, plural: kind.plural };
    const read = async () =>
      (await this.call("get", () =>
        this.clients.custom.getNamespacedCustomObject({ ...ref, name: names.customResource }),
      )) as RunResource;
    if (source.type === "kubernetes") {
      // the run came from a CR applied with kubectl: that CR owns the objects
      let existing: RunResource;
      try {
        existing = await read();
      } catch (err) {
        if (apiStatus(err) === 404) {
          throw new PermanentDispatchError(
            "gone",
            `${kind.kind} ${namespace}/${names.customResource} was deleted before the run started`,
            {
              cause: err,
            },
          );
        }
        throw this.classify(err, `reading ${kind.kind} ${names.customResource}`);
      }
      if (existing.metadata.uid !== source.uid) {
        throw new PermanentDispatchError(
          "gone",
          `${kind.kind} ${namespace}/${names.customResource} was deleted and re-created since the run was accepted`,
        );
      }
      return existing;
    }
    const body = buildCustomResource({ run, name: names.customResource, namespace });
    return this.createOrAdopt(
      run,
      `${kind.kind} ${names.customResource}`,
      async () =>
        (await this.call("create", () =>
          this.clients.custom.createNamespacedCustomObject({ ...ref, body }),
        )) as RunResource,
      read,
    );
  }

  private async ensureConfigMap(
    run: RunRecord,
    names: RunObjectNames,
    namespace: string,
    files: RenderedFiles,
    owner: V1OwnerReference,
  ): Promise<void> {
    const digest = renderedDigest(files);
    const body = buildConfigMap({ run, name: names.configMap, namespace, files, digest, owner });
    const core = this.clients.core;
    const existing = await this.createOrAdopt<V1ConfigMap>(
      run,
      `ConfigMap ${names.configMap}`,
      () => this.call("create", () => core.createNamespacedConfigMap({ namespace, body })),
      () => this.call("get", () => core.readNamespacedConfigMap({ name: names.configMap, namespace })),
    );
    if (existing.metadata?.annotations?.[ANNOTATIONS.filesDigest] === digest) return;
    // a re-render changed the files: update them unless the agent may already have read the old ones
    if (await this.jobExists(names.job, namespace)) return;
    const replacement: V1ConfigMap = {
      ...body,
      metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } as V1ObjectMeta,
    };
    await this.call("replace", () =>
      core.replaceNamespacedConfigMap({ name: names.configMap, namespace, body: replacement }),
    ).catch((err: unknown) => {
      throw this.classify(err, `updating ConfigMap ${names.configMap}`);
    });
    this.log.info({ runId: run.id, configMap: names.configMap }, "updated the run's files after a re-render");
  }

  private async ensureJob(
    run: RunRecord,
    names: RunObjectNames,
    namespace: string,
    owner: V1OwnerReference,
  ): Promise<V1Job> {
    const body = buildJob({ run, names, namespace, settings: this.options.job, owner });
    const batch = this.clients.batch;
    return this.createOrAdopt<V1Job>(
      run,
      `Job ${names.job}`,
      () => this.call("create", () => batch.createNamespacedJob({ namespace, body })),
      () => this.call("get", () => batch.readNamespacedJob({ name: names.job, namespace })),
    );
  }

  /**
   * Makes the Job the ConfigMap's owner instead of the CR, so the files go when the Job's TTL deletes
   * the Job. The Job is the only owner: Kubernetes collects a dependent only once all its owners are
   * gone, so keeping the CR as a second owner would keep the ConfigMap as long as the CR. Deleting the
   * CR still removes the ConfigMap, through the Job it owns. Best effort: the Job exists and runs, so a
   * failure here only leaves the ConfigMap to the CR's lifetime.
   */
  private async handConfigMapToJob(
    run: RunRecord,
    names: RunObjectNames,
    namespace: string,
    job: V1Job,
  ): Promise<void> {
    const core = this.clients.core;
    const owner = jobOwnerReference(job);
    try {
      for (let attempt = 1; ; attempt++) {
        const current = await this.call("get", () =>
          core.readNamespacedConfigMap({ name: names.configMap, namespace }),
        );
        const refs = current.metadata?.ownerReferences ?? [];
        if (refs.length === 1 && refs[0]?.uid === owner.uid) return;
        const body: V1ConfigMap = { ...current, metadata: { ...current.metadata, ownerReferences: [owner] } };
        try {
          await this.call("replace", () =>
            core.replaceNamespacedConfigMap({ name: names.configMap, namespace, body }),
          );
          return;
        } catch (err) {
          // changed since read (e.g. by a parallel dispatch of the same run): read it again
          if (apiStatus(err) !== 409 || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      this.log.warn(
        { runId: run.id, configMap: names.configMap, err: { message: apiMessage(err) } },
        "could not make the Job own the run's ConfigMap; it stays until the CR is deleted",
      );
    }
  }

  private async jobExists(name: string, namespace: string): Promise<boolean> {
    try {
      await this.call("get", () => this.clients.batch.readNamespacedJob({ name, namespace }));
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }

  /**
   * Creates an object; a 409 means an earlier attempt (or a create that succeeded although its
   * answer was lost) made it, which is fine when it carries this run's label and a conflict otherwise.
   */
  private async createOrAdopt<T extends { metadata?: V1ObjectMeta | undefined }>(
    run: RunRecord,
    what: string,
    create: () => Promise<T>,
    read: () => Promise<T>,
  ): Promise<T> {
    try {
      const created = await create();
      this.log.debug({ runId: run.id }, `created ${what}`);
      return created;
    } catch (err) {
      const status = apiStatus(err);
      if (status === 404) {
        // creating a namespaced object 404s only when its namespace or resource type is missing
        const namespace = this.namespaceOf(run);
        throw new PermanentDispatchError(
          "missing-namespace",
          `creating ${what} failed: namespace "${namespace}" or the resource type does not exist ` +
            `(kubectl create namespace ${namespace}; kubectl apply -f deploy/crds/)`,
          { cause: err },
        );
      }
      if (status !== 409) throw this.classify(err, `creating ${what}`);
    }
    let existing: T;
    try {
      existing = await read();
    } catch (err) {
      throw this.classify(err, `reading ${what}`);
    }
    if (!belongsToRun(existing.metadata?.labels, run.id)) {
      throw new PermanentDispatchError(
        "conflict",
        `${what} already exists in the cluster and does not belong to run ${run.id}; delete it or pick another namespace`,
      );
    }
    return existing;
  }
}
