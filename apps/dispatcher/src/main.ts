import { QUEUES } from "@orchestrator/contracts";
import { KubeConfigError } from "@orchestrator/kube";
import { createQueue, registerQueueDepthMetric } from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { createRuntime, LocalRuntime } from "@orchestrator/runtime";
import { runService } from "@orchestrator/service";
import { createDispatcher } from "./create-dispatcher.js";
import { loadDispatcherConfig } from "./dispatcher-config.js";
import { kubeApiErrorCounter } from "./dispatcher-metrics.js";
import { githubAppTokens } from "./github-app-tokens.js";

/** Composition root: reads the environment, wires Redis, the runtime and the workers, and shuts down on SIGTERM. */
runService({
  name: "dispatcher",
  loadConfig: loadDispatcherConfig,
  async start({ config, log, registry, client, redis, fatal }) {
    const kubeErrors = kubeApiErrorCounter(registry);
    let created: ReturnType<typeof createRuntime>;
    // GitHub App mode: every run gets its own installation token instead of github-pat-<user>
    const githubApp = githubAppTokens(config, log);
    try {
      created = createRuntime(config, process.env, {
        log,
        onApiError: (verb, code) => kubeErrors.inc({ verb, code }),
        githubApp,
      });
    } catch (err) {
      if (err instanceof KubeConfigError) fatal(`RUNTIME=${config.RUNTIME}: ${err.message}`);
      throw err;
    }
    const { runtime, credentials } = created;
    log.info(
      {
        runtime: runtime.kind,
        credentials,
        namespace: config.KUBERNETES_NAMESPACE,
        agentGithubAuth: githubApp ? "app-token-per-run" : "user-secrets",
      },
      "runtime selected",
    );
    // key material of local runs lives only for the run: clean up after runs that ended while we were down
    if (runtime instanceof LocalRuntime) await runtime.sweep();

    const producer = redis("producer");
    const prefix = config.QUEUE_PREFIX;
    const runStore = new RunStore({ redis: client, prefix, retentionMs: config.RUN_RETENTION });
    const dispatchQueue = createQueue(QUEUES.dispatch, { connection: producer, prefix, log });
    const controlQueue = createQueue(QUEUES.control, { connection: producer, prefix, log });
    registerQueueDepthMetric(registry, [dispatchQueue, controlQueue]);

    const dispatcher = createDispatcher({
      config,
      runStore,
      runtime,
      queues: { dispatch: dispatchQueue },
      redis: { client, worker: redis("worker"), subscriber: redis("worker") },
      logger: log,
      registry,
    });
    await dispatcher.start();
    return {
      ready: dispatcher.ready,
      steps: [
        { name: "dispatcher", close: () => dispatcher.stop() },
        { name: "queues", close: () => Promise.all([dispatchQueue.close(), controlQueue.close()]) },
      ],
    };
  },
});
