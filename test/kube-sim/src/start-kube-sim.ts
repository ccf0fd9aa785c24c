import type { KubeConfig } from "@kubernetes/client-node";
import { handleAdmin } from "./admin-handler.js";
import { ApiError, toApiError } from "./api-error.js";
import { handleApi } from "./api-handler.js";
import { BUILTIN_RESOURCES, customResourceDefinitionsType, namespacesType } from "./builtin-resources.js";
import { ControllerLoop } from "./controller-loop.js";
import { CrdRegistrar } from "./crd-registrar.js";
import { createObject } from "./create-object.js";
import { EventRecorder } from "./event-recorder.js";
import { Faults } from "./faults.js";
import { GarbageCollector } from "./garbage-collector.js";
import { sendError } from "./http-io.js";
import { SimHttpServer } from "./http-server.js";
import { JobController } from "./job-controller.js";
import { type KubeconfigAccess, makeKubeConfig, writeKubeconfigFile } from "./kubeconfig.js";
import { Kubelet } from "./kubelet.js";
import type { KubeletTimings } from "./kubelet-runtime.js";
import { NamespaceController } from "./namespace-controller.js";
import type { OutcomeHook } from "./outcome-resolver.js";
import type { PodOutcome } from "./pod-outcome.js";
import { PvcController } from "./pvc-controller.js";
import type { ManifestSource } from "./rbac/manifests.js";
import { type CredentialOptions, SimRbac } from "./rbac/sim-rbac.js";
import { makeServingCert } from "./rbac/tls.js";
import { parseRequestInfo } from "./request-info.js";
import { RequestLog, type RequestLogEntry } from "./request-log.js";
import { ResourceRegistry } from "./resource-registry.js";
import { SeededRandom } from "./seeded-random.js";
import type { SimContext } from "./sim-context.js";
import { SimObjects } from "./sim-objects.js";
import { Store } from "./store.js";
import type { KubeObject } from "./types.js";
import { WatchHub } from "./watch-hub.js";

export interface KubeSimKubeletOptions extends Partial<KubeletTimings> {
  /** Name of the simulated node (spec.nodeName of scheduled pods). */
  nodeName?: string;
  /** Outcome for pods nothing else scripts (default `{}`: success). */
  defaultOutcome?: PodOutcome;
  /** Programmatic outcome hook (same as `sim.kubelet.setOutcome`). */
  outcome?: OutcomeHook;
}

export interface KubeSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Namespaces created at start (default ["default"]). */
  namespaces?: string[];
  /** CustomResourceDefinition objects to serve from the start. */
  crds?: readonly object[];
  kubelet?: KubeSimKubeletOptions;
  /** Real time per Kubernetes time: 0.01 makes activeDeadlineSeconds/ttl/backoffs 100× faster (default 1). */
  timeScale?: number;
  /** Server-side close of watches without timeoutSeconds (default 30000 ms). */
  watchTimeoutMs?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Per-resource watch event window; older resourceVersions get 410 Gone (default 1000). */
  historySize?: number;
  /** Seeds pod names, uids and fault decisions (random when absent). */
  seed?: number;
  /** Controller tick (default 10 ms). */
  tickMs?: number;
  /** Delay before a PVC is bound (default 10 ms). */
  pvcBindDelayMs?: number;
  /** Unexpected internal errors (default: console.error). */
  onError?: (err: unknown) => void;
  /** Authenticate and authorise every request with RBAC, serving HTTPS (default false; see README "RBAC"). */
  rbac?: boolean;
  /** Manifest files, directories or objects whose Namespaces, ServiceAccounts and RBAC kinds are loaded (implies rbac). */
  rbacManifests?: readonly ManifestSource[];
}

/** A namespace name (the old form) or who the kubeconfig authenticates as (see README "RBAC"). */
export type KubeConfigTarget = string | CredentialOptions;

export interface KubeSim {
  readonly url: string;
  readonly port: number;
  /** A client-node KubeConfig for this server (context namespace defaults to "default"). */
  kubeConfig(target?: KubeConfigTarget): KubeConfig;
  writeKubeconfig(path: string, target?: KubeConfigTarget): Promise<void>;
  /** RBAC state: usage(), unusedGrants(), load(); its methods throw when RBAC is off. */
  readonly rbac: SimRbac;
  /** PEM certificate clients must trust when RBAC is on (the server then speaks HTTPS). */
  readonly caPem: string | undefined;
  /** Snapshot of the request log. */
  readonly requests: RequestLogEntry[];
  clearRequests(): void;
  readonly faults: Faults;
  readonly kubelet: Kubelet;
  /** Read-only access to stored objects, for assertions. */
  readonly objects: SimObjects;
  /** Number of open watch connections. */
  readonly openWatches: number;
  /** Runs the controllers once, now. */
  tick(): void;
  stop(): Promise<void>;
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const onError = options.onError ?? ((err: unknown) => console.error("[kube-sim]", err));
  const registry = new ResourceRegistry();
  for (const rt of BUILTIN_RESOURCES) registry.register(rt);
  const store = new Store(options.historySize ?? 1000);
  let loop: ControllerLoop | undefined;
  const ctx: SimContext = {
    store,
    registry,
    rng: new SeededRandom(options.seed),
    msPerSecond: 1000 * (options.timeScale ?? 1),
    nodeName: options.kubelet?.nodeName ?? "kube-sim-node",
    kick: () => loop?.kick(),
  };
  const events = new EventRecorder(ctx);
  const crds = new CrdRegistrar(ctx);
  const kubelet = new Kubelet(ctx, events, options.kubelet);
  if (options.kubelet?.defaultOutcome) kubelet.setDefaultOutcome(options.kubelet.defaultOutcome);
  if (options.kubelet?.outcome) kubelet.setOutcome(options.kubelet.outcome);
  const controllers = [
    crds,
    new NamespaceController(ctx),
    new GarbageCollector(ctx),
    new JobController(ctx, events),
    kubelet,
    new PvcController(ctx, options.pvcBindDelayMs ?? 10),
  ];
  loop = new ControllerLoop(controllers, options.tickMs ?? 10, onError);

  for (const ns of options.namespaces ?? ["default"]) {
    createObject(ctx, namespacesType, "v1", undefined, { metadata: { name: ns } }, { internal: true });
  }
  for (const crd of options.crds ?? []) {
    createObject(ctx, customResourceDefinitionsType, "v1", undefined, structuredClone(crd), {
      internal: true,
    });
  }
  crds.step();

  const rbac = new SimRbac(ctx, options.rbac === true || options.rbacManifests !== undefined);
  if (options.rbacManifests) await rbac.load(options.rbacManifests);
  const tls = rbac.enabled ? await makeServingCert(options.host ?? "127.0.0.1") : undefined;
  const access = (target?: KubeConfigTarget): [string, KubeconfigAccess] => {
    const { token, namespace } = rbac.credentials(
      typeof target === "string" ? { namespace: target } : target,
    );
    return [namespace, { token, caPem: tls?.cert }];
  };

  const watches = new WatchHub(ctx, options.bookmarkIntervalMs ?? 1000);
  const requestLog = new RequestLog();
  // Assigned after the fault hooks that reference it are created.
  let server: SimHttpServer;
  const faults = new Faults(options.seed, {
    dropWatches: (abrupt) => watches.dropAll(abrupt),
    refuseConnections: (ms) => server.refuseConnections(ms),
  });
  const apiDeps = {
    ctx,
    watches,
    kubelet,
    watchTimeoutMs: options.watchTimeoutMs ?? 30_000,
    host: () => `${options.host ?? "127.0.0.1"}:${server.port}`,
  };
  server = new SimHttpServer(
    async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname.startsWith("/_sim/")) {
        await handleAdmin({ ctx, faults, kubelet, requests: requestLog }, req, res, url);
        return;
      }
      const info = parseRequestInfo(req.method ?? "GET", url);
      const started = Date.now();
      const decision = faults.evaluate(info);
      try {
        if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
        if (decision.error) throw decision.error;
        await rbac.serve(req, res, info, () => handleApi(apiDeps, info, req, res));
      } catch (err) {
        if (!(err instanceof ApiError)) onError(err);
        if (!res.headersSent) sendError(res, toApiError(err));
        else res.destroy();
      }
      requestLog.record(info, res.statusCode, started, decision.note);
    },
    onError,
    tls,
  );
  await server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  loop.start();

  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    kubeConfig: (target) => makeKubeConfig(server.url, ...access(target)),
    writeKubeconfig: (path, target) => writeKubeconfigFile(path, server.url, ...access(target)),
    rbac,
    caPem: tls?.cert,
    get requests() {
      return requestLog.snapshot();
    },
    clearRequests: () => requestLog.clear(),
    faults,
    kubelet,
    objects: new SimObjects(ctx),
    get openWatches() {
      return watches.openCount;
    },
    tick: () => loop?.runOnce(),
    stop: async () => {
      loop?.stop();
      watches.dropAll(true);
      await server.close();
    },
  };
}

export type { KubeObject };
