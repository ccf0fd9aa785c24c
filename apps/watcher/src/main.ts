import { hostname } from "node:os";
import { resolve } from "node:path";
import { QUEUES } from "@orchestrator/contracts";
import { createKubeClients, KubeConfigError, kubeConfigForRuntime } from "@orchestrator/kube";
import { defaultRulesFile, loadRules, RunPolicy } from "@orchestrator/policy";
import { createQueue, redisReady } from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { runService } from "@orchestrator/service";
import { loadWatcherConfig } from "./config.js";
import { createWatcher, type WatcherRuntime } from "./create-watcher.js";
import { githubClientFromConfig } from "./github/github-client-from-config.js";
import { KubeReader } from "./kube/kube-reader.js";
import { KubeWriter } from "./kube/kube-writer.js";
import { LeaseElector, leaderGauge } from "./leader/lease-elector.js";
import { watcherSettingsFromConfig } from "./settings.js";

/** Composition root: environment → connections → watcher → health server; stops on SIGTERM/SIGINT. */
runService({
  name: "watcher",
  loadConfig: loadWatcherConfig,
  async start({ config, log, registry, client, redis, fatal }) {
    let runtime: WatcherRuntime;
    try {
      const found = kubeConfigForRuntime(config.RUNTIME, process.env);
      runtime = found
        ? { kind: "kubernetes", clients: createKubeClients(found.kubeConfig) }
        : { kind: "local", dataDir: resolve(process.cwd(), config.DATA_DIR) };
      log.info(
        { runtime: runtime.kind, credentials: found?.source, namespace: config.KUBERNETES_NAMESPACE },
        "runtime selected",
      );
    } catch (err) {
      if (err instanceof KubeConfigError) fatal(`RUNTIME=${config.RUNTIME}: ${err.message}`);
      throw err;
    }
    const leaderElection = config.LEADER_ELECTION ?? runtime.kind === "kubernetes";
    if (leaderElection && runtime.kind !== "kubernetes") {
      fatal(
        "LEADER_ELECTION=true needs the Kubernetes runtime (a Lease); set RUNTIME=kubernetes or LEADER_ELECTION=false",
      );
    }

    const prefix = config.QUEUE_PREFIX;
    const producer = redis("producer");
    const runStore = new RunStore({ redis: client, prefix, retentionMs: config.RUN_RETENTION });
    const queues = {
      render: createQueue(QUEUES.render, { connection: producer, prefix, log }),
      dispatch: createQueue(QUEUES.dispatch, { connection: producer, prefix, log }),
      control: createQueue(QUEUES.control, { connection: producer, prefix, log }),
    };
    const github = githubClientFromConfig(config);
    if (!github) log.info("GitHub comments are off (set GITHUB_TOKEN or GITHUB_APP_ID with a private key)");

    const rules = await loadRules(config.RULES_FILE ?? defaultRulesFile()).catch((err: Error) =>
      fatal(err.message),
    );
    const policy = new RunPolicy({
      rules,
      allowedGitHosts: config.ALLOWED_GIT_HOSTS,
      callbackAllowedHosts: config.CALLBACK_ALLOWED_HOSTS,
      allowedEnvSecrets: config.ALLOWED_ENV_SECRETS,
      registry,
    });
    const watcher = createWatcher({
      settings: watcherSettingsFromConfig(config),
      policy,
      runtime,
      runStore,
      redis: client,
      subscriber: redis("worker"),
      workerConnection: redis("worker"),
      queues,
      github,
      prefix,
      log,
      registry,
      now: () => new Date(),
    });

    let shutdown: (() => Promise<void>) | undefined;
    const elector =
      leaderElection && runtime.kind === "kubernetes"
        ? new LeaseElector({
            reader: new KubeReader(runtime.clients),
            writer: new KubeWriter(runtime.clients),
            namespace: config.KUBERNETES_NAMESPACE,
            name: config.LEADER_LEASE_NAME,
            identity: config.POD_NAME ?? `${hostname()}-${process.pid}`,
            leaseDurationMs: config.LEADER_LEASE_DURATION,
            renewDeadlineMs: config.LEADER_RENEW_DEADLINE,
            retryPeriodMs: config.LEADER_RETRY_PERIOD,
            gauge: leaderGauge(registry),
            log: log.child({ component: "leader" }),
            onStartedLeading: () => watcher.start(),
            // the work stops at once; the process exits and, restarted, waits as a standby
            onStoppedLeading: () => void shutdown?.(),
          })
        : undefined;

    return {
      // a standby is ready: it waits for the lease, which is its job
      ready: async () =>
        (elector && !elector.isLeader ? true : watcher.ready()) && (await redisReady(client)),
      steps: [
        { name: "leader election", close: async () => elector?.stop() },
        { name: "watcher", close: () => watcher.stop() },
        { name: "queues", close: () => Promise.all(Object.values(queues).map((q) => q.close())) },
      ],
      async afterStart(stop) {
        shutdown = stop;
        if (elector) {
          log.info({ lease: config.LEADER_LEASE_NAME }, "waiting to become the leader");
          elector.start();
          return;
        }
        // waits for the first list of every informer; /ready says not ready until then
        await watcher.start();
      },
    };
  },
});
