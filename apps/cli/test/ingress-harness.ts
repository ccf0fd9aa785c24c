import { QUEUES } from "@orchestrator/contracts";
import {
  createIngress,
  type Ingress,
  type LogReader,
  listen,
  loadIngressConfig,
  parseRules,
  type RunningServer,
} from "@orchestrator/ingress";
import { createRegistry, silentLogger } from "@orchestrator/observability";
import { createQueue, createRedis, type TypedQueue, waitForRedis } from "@orchestrator/queue";
import { deletePrefix, testRedisUrl, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";

/**
 * Rules of the CLI tests: any github.com repository, with the users the tests name (the ingress
 * refuses users a repository rule does not list).
 */
export const CLI_TEST_RULES = `
repositories:
  - match: "*/*"
    users: [swe-1-5dlabs, swe-2-acme, jane-doe, jdoe, x]
`;

/** The CLI's token (the API_TOKENS entry named "cli"). */
export const CLI_TOKEN = "cli-token-0123456789abcdef";

export interface IngressHarness {
  /** http://127.0.0.1:<port> */
  base: string;
  runStore: RunStore;
  redis: ReturnType<typeof createRedis>;
  prefix: string;
  close(): Promise<void>;
}

/**
 * A real ingress (the package's own factory) on a free loopback port over the real test Redis, with
 * a private key prefix. Nothing renders or dispatches: tests move runs along with RunStore.transition,
 * as the renderer, dispatcher and watcher would.
 */
export async function startIngress(
  options: { logReader?: LogReader; rules?: string } = {},
): Promise<IngressHarness> {
  const prefix = uniquePrefix("cli");
  const url = testRedisUrl();
  const redis = createRedis(url, "client");
  await waitForRedis(redis);
  const subscribers: ReturnType<typeof createRedis>[] = [];
  const config = loadIngressConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    RUN_RETENTION: "1h",
    API_TOKENS: `cli:${CLI_TOKEN}`,
  });
  const renderQueue: TypedQueue<"render"> = createQueue(QUEUES.render, { connection: redis, prefix });
  const controlQueue: TypedQueue<"control"> = createQueue(QUEUES.control, { connection: redis, prefix });
  const runStore = new RunStore({ redis, prefix, retentionMs: config.RUN_RETENTION });
  const ingress: Ingress = createIngress({
    config,
    rules: parseRules(options.rules ?? CLI_TEST_RULES),
    runStore,
    renderQueue,
    controlQueue,
    redis,
    createSubscriber: () => {
      const subscriber = createRedis(url, "worker");
      subscribers.push(subscriber);
      return subscriber;
    },
    logger: silentLogger(),
    registry: createRegistry("ingress", { defaultMetrics: false }),
    ...(options.logReader ? { logReader: options.logReader } : {}),
  });
  const server: RunningServer = await listen(ingress.app, "127.0.0.1", 0);
  return {
    base: `http://127.0.0.1:${server.port}`,
    runStore,
    redis,
    prefix,
    close: async () => {
      await server.close();
      await ingress.close();
      await renderQueue.close().catch(() => undefined);
      await controlQueue.close().catch(() => undefined);
      if (redis.status === "ready") await deletePrefix(redis, prefix);
      for (const s of subscribers) s.disconnect();
      redis.disconnect();
    },
  };
}
