import { QUEUES } from "@orchestrator/contracts";
import { loadRules } from "@orchestrator/policy";
import { createQueue, registerQueueDepthMetric, waitForRedis } from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import { runService } from "@orchestrator/service";
import type { Logger } from "pino";
import { loadIngressConfig } from "./config.js";
import { createIngress } from "./create-ingress.js";
import { HttpError } from "./errors/http-error.js";
import { ingressGithubClient } from "./github/ingress-github-client.js";
import { scheduleGithubRescan } from "./github/rescan-schedule.js";
import type { LogReader } from "./logs/log-reader.js";
import { listen } from "./server.js";

/** Composition root of the ingress service: environment → connections → app → server. */
runService({
  name: "ingress",
  loadConfig: loadIngressConfig,
  // the ingress answers at once: /ready reports an unreachable Redis and POSTs answer 503 meanwhile
  redisAtStart: "background",
  portVariable: "SERVER_PORT",
  explain: (err) => ((err as Error)?.name === "RulesFileError" ? (err as Error).message : undefined),
  async start({ config, log, registry, client, redis }) {
    const rules = await loadRules(config.rulesFile);
    const producer = redis("producer");
    const prefix = config.QUEUE_PREFIX;
    const renderQueue = createQueue(QUEUES.render, { connection: producer, prefix, log });
    const controlQueue = createQueue(QUEUES.control, { connection: producer, prefix, log });
    registerQueueDepthMetric(registry, [renderQueue]);
    const runStore = new RunStore({ redis: client, prefix, retentionMs: config.RUN_RETENTION });

    const github = ingressGithubClient(config);
    const ingress = createIngress({
      logReader: lazyLogReader(log),
      github,
      config,
      rules,
      runStore,
      renderQueue,
      controlQueue,
      redis: client,
      createSubscriber: () => redis("worker"),
      logger: log,
      registry,
    });
    const server = await listen(ingress.app, config.SERVER_HOST, config.SERVER_PORT);
    // missed-delivery reconciliation: trigger labels whose webhook delivery never arrived
    const rescan =
      config.GITHUB_RESCAN && github
        ? scheduleGithubRescan(() => ingress.rescan(), {
            ready: () => waitForRedis(client, 60_000),
            intervalMs: config.GITHUB_RESCAN_INTERVAL,
            log,
          })
        : undefined;
    return {
      fields: {
        host: config.SERVER_HOST,
        port: server.port,
        rulesFile: config.rulesFile,
        repositories: rules.repositories.length,
      },
      steps: [
        { name: "github re-scan", close: async () => rescan?.stop() },
        { name: "http server", close: () => server.close() },
        { name: "ingress", close: () => ingress.close() },
        { name: "queues", close: () => Promise.all([renderQueue.close(), controlQueue.close()]) },
      ],
    };
  },
});

/**
 * Run logs in the split deployment: read through the runtime's API with read-only rights. The
 * runtime (and the Kubernetes client, ~60 MB of a process's memory) is loaded on the first logs
 * request, not at start-up: most ingress processes never serve one (the bundle keeps it in a chunk).
 */
function lazyLogReader(log: Logger): LogReader {
  let loading: Promise<LogReader | undefined> | undefined;
  const load = () =>
    import("@orchestrator/runtime")
      .then(({ createLogReaderFromEnv }) => createLogReaderFromEnv(process.env, log))
      .then(
        ({ reader, kind }) => {
          log.info({ runtime: kind }, "run logs are read from the runtime");
          return reader;
        },
        (err: unknown) => {
          log.warn(
            { err: { message: (err as Error).message } },
            "run logs unavailable: GET /api/v1/runs/:id/logs answers 501",
          );
          return undefined;
        },
      );
  return {
    async *stream(run, options) {
      loading ??= load();
      const reader = await loading;
      if (!reader)
        throw new HttpError(501, "logs are not available in this deployment (no runtime credentials found)");
      yield* reader.stream(run, options);
    },
  };
}
