import { QUEUES } from "@orchestrator/contracts";
import { createQueue, redisReadiness, registerQueueDepthMetric } from "@orchestrator/queue";
import { createRenderer as createTemplateRenderer } from "@orchestrator/render";
import { RunStore } from "@orchestrator/run-store";
import { runService } from "@orchestrator/service";
import { loadRendererConfig, rendererSettingsFrom } from "./config.js";
import { createRenderer } from "./create-renderer.js";
import { isPermanentRenderError, renderWithTemplates } from "./run-renderer.js";

/** Composition root of the renderer service. */
runService({
  name: "renderer",
  loadConfig: loadRendererConfig,
  async start({ config, log, registry, client, redis }) {
    const workerConnection = redis("worker");
    const prefix = config.QUEUE_PREFIX;
    const renderQueue = createQueue(QUEUES.render, { connection: client, prefix, log });
    const dispatchQueue = createQueue(QUEUES.dispatch, { connection: client, prefix, log });
    registerQueueDepthMetric(registry, [renderQueue, dispatchQueue]);
    const runStore = new RunStore({ redis: client, prefix, retentionMs: config.RUN_RETENTION });

    const templates = await createTemplateRenderer({
      ...(config.TEMPLATES_DIR ? { templatesDir: config.TEMPLATES_DIR } : {}),
      settings: rendererSettingsFrom(config),
      watch: config.TEMPLATES_WATCH,
      onReload: () => log.info("templates reloaded"),
      onError: (err) => log.error({ err }, "template reload failed; keeping the previous templates"),
    });
    log.info({ templatesDir: templates.templatesDir }, "templates loaded");

    const renderer = createRenderer({
      runStore,
      renderQueue,
      dispatchQueue,
      workerConnection,
      prefix,
      render: renderWithTemplates(templates),
      isPermanent: isPermanentRenderError,
      log,
      registry,
      concurrency: config.RENDER_CONCURRENCY,
    });
    return {
      ready: () => redisReadiness(client),
      steps: [
        { name: "renderer", close: () => renderer.close() },
        { name: "templates", close: async () => templates.close() },
        { name: "queues", close: () => Promise.all([renderQueue.close(), dispatchQueue.close()]) },
      ],
    };
  },
});
