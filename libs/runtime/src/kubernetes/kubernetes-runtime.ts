import type { V1Job, V1OwnerReference } from "@kubernetes/client-node";
import type { RenderedFiles, RunRecord } from "@orchestrator/contracts";
import {
  apiStatus,
  buildCustomResource,
  buildJob,
  CODE_RUN,
  CRD_GROUP,
  CRD_VERSION,
  configMapDataBytes,
  DOCS_RUN,
  type JobSettings,
  type KubeClients,
  MAX_CONFIG_MAP_DATA_BYTES,
  ownerReferenceTo,
  type RunObjectNames,
  type RunResource,
  runObjectNames,
  type WorkspacePvcSettings,
} from "@orchestrator/kube";
import type { Logger } from "pino";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import type { RunTokenMinter } from "../run-token.js";
import type { AgentState, DispatchResult, FinishedAgent, LogOptions, Runtime } from "../runtime.js";
import { inspectJob, listFinishedJobs } from "./job-state.js";
import { classifyKubeError, createOrAdopt, type KubeObjectContext } from "./kube-objects.js";
import { type KubeRetryOptions, withKubeRetry } from "./kube-retry.js";
import { readPodLogs } from "./pod-logs.js";
import { ensureRunConfigMap, handConfigMapToJob } from "./run-config-map.js";
import {
  ensureRunTokenSecret,
  prepareRunToken,
  RUN_TOKEN_REFRESH_BEFORE_MS,
  type RunTokenPlan,
  refreshRunTokenSecret,
  runTokenPlan,
} from "./run-token-secret.js";
import { checkRunSecrets, requiredSecrets } from "./secret-hints.js";
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
  /**
   * GitHub App mode: mints each run its own installation token (its repositories; contents,
   * pull_requests, issues), handed to the pod in a Secret owned by the Job instead of the user's
   * `github-pat-<user>`. Unset: PAT/SSH per user.
   */
  githubApp?: RunTokenMinter | undefined;
}

/**
 * Runs agents as Kubernetes Jobs: per run a DocsRun/CodeRun owning a Job, which owns the ConfigMap
 * with the rendered files, plus the service's workspace PVC for code runs. Every object has a name
 * derived from the run id, so a repeated dispatch adopts what exists (409 → read it back and check its
 * run-id label) and never creates a second Job. In GitHub App mode the Job's pod mounts a Secret with
 * the run's own installation token, created right after the Job and owned by it (see run-token-secret).
 */
export class KubernetesRuntime implements Runtime {
  readonly kind = "kubernetes" as const;
  private readonly clients: KubeClients;
  private readonly log: Logger;
  private readonly ctx: KubeObjectContext;

  constructor(private readonly options: KubernetesRuntimeOptions) {
    this.clients = options.clients;
    this.log = options.log;
    this.ctx = {
      clients: options.clients,
      log: options.log,
      call: (verb, fn) => this.call(verb, fn),
      classify: classifyKubeError,
    };
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
    const minter = this.options.githubApp;
    const token = runTokenPlan(run, names, minter);
    const required = requiredSecrets(run, namespace, this.options.job.anthropicSecret, { appToken: !!token });
    await checkRunSecrets(this.ctx, required, namespace);
    if (run.request.kind === "code") {
      const workspace = { ...this.ctx, settings: this.options.workspace };
      await ensureWorkspaceClaim(workspace, run, run.request.service, namespace);
    }
    const resource = await this.ensureCustomResource(run, names, namespace);
    const owner = ownerReferenceTo(resource);
    await ensureRunConfigMap(this.ctx, run, names, namespace, files, owner);
    // minted before the Job (a run the App cannot serve fails without one), stored after it (owned by it)
    const minted =
      token && minter ? await prepareRunToken(this.ctx, run, token, namespace, minter) : undefined;
    const job = await this.ensureJob(run, names, namespace, owner, token);
    if (token && minter) await ensureRunTokenSecret(this.ctx, run, token, namespace, job, minter, minted);
    await handConfigMapToJob(this.ctx, run, names, namespace, job);
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

  async refreshGithubTokens(runs: RunRecord[]): Promise<number> {
    const minter = this.options.githubApp;
    if (!minter) return 0;
    let refreshed = 0;
    for (const run of runs) {
      const plan = runTokenPlan(run, runObjectNames(run), minter);
      if (!plan) continue;
      const namespace = run.links.namespace ?? this.namespaceOf(run);
      const options = { now: Date.now(), refreshBeforeMs: RUN_TOKEN_REFRESH_BEFORE_MS };
      try {
        if (await refreshRunTokenSecret(this.ctx, run, plan, namespace, minter, options)) refreshed++;
      } catch (err) {
        // one run GitHub or the cluster refuses must not keep the others' tokens from being replaced
        this.log.warn(
          { runId: run.id, err: { message: (err as Error).message } },
          "refreshing the run's GitHub App token failed; will try again",
        );
      }
    }
    return refreshed;
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
      throw classifyKubeError(err, `deleting Job ${name}`);
    }
  }

  logs(run: RunRecord, options: LogOptions): AsyncIterable<string | Uint8Array> {
    const namespace = run.links.namespace ?? this.namespaceOf(run);
    return readPodLogs(this.ctx, run, namespace, options, this.options.logPollMs ?? 1000);
  }

  private call<T>(verb: string, fn: () => Promise<T>): Promise<T> {
    return withKubeRetry(verb, fn, this.options.retry);
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
        throw classifyKubeError(err, `reading ${kind.kind} ${names.customResource}`);
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
    return createOrAdopt(
      this.ctx,
      run,
      namespace,
      `${kind.kind} ${names.customResource}`,
      async () =>
        (await this.call("create", () =>
          this.clients.custom.createNamespacedCustomObject({ ...ref, body }),
        )) as RunResource,
      read,
    );
  }

  private async ensureJob(
    run: RunRecord,
    names: RunObjectNames,
    namespace: string,
    owner: V1OwnerReference,
    token: RunTokenPlan | undefined,
  ): Promise<V1Job> {
    const settings = this.options.job;
    const body = buildJob({ run, names, namespace, settings, owner, githubTokenSecret: token?.secretName });
    const batch = this.clients.batch;
    return createOrAdopt<V1Job>(
      this.ctx,
      run,
      namespace,
      `Job ${names.job}`,
      () => this.call("create", () => batch.createNamespacedJob({ namespace, body })),
      () => this.call("get", () => batch.readNamespacedJob({ name: names.job, namespace })),
    );
  }
}
