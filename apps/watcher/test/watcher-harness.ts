import { QUEUES } from "@orchestrator/contracts";
import { silentLogger } from "@orchestrator/observability";
import { parseRules, RunPolicy } from "@orchestrator/policy";
import { createQueue } from "@orchestrator/queue";
import { connectTestRedis } from "@orchestrator/queue/testing";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import {
  createWatcher,
  type Watcher,
  type WatcherRuntime,
  type WatcherSettings,
} from "../src/create-watcher.js";
import { watcherGithubClient } from "../src/github/github-client.js";
import { FAST_GITHUB } from "./fake-github.js";
import type { RedisContext } from "./redis-context.js";

export const TEST_CALLBACK_SECRET = "test-callback-secret-0123456789";

/** Rules kubectl-applied CRs of the tests are checked against: the fixtures' repositories and user. */
export const TEST_WATCHER_RULES = `
repositories:
  - match: "5dlabs/*"
    users: [swe-1-5dlabs]
`;

export function testSettings(overrides: Partial<WatcherSettings> = {}): WatcherSettings {
  return {
    namespace: "default",
    pendingTimeoutMs: 10 * 60_000,
    resyncIntervalMs: 60_000,
    localPollIntervalMs: 50,
    gcIntervalMs: 0,
    orphanGraceMs: 0,
    retentionMs: 3_600_000,
    watchRestartDelayMs: 100,
    watch: { watchTimeoutSeconds: 300, idleTimeoutMs: 120_000, relistIntervalMs: 0 },
    // the test receivers listen on 127.0.0.1, which only an explicit CALLBACK_ALLOWED_HOSTS entry allows
    callbacks: { secret: TEST_CALLBACK_SECRET, attempts: 5, backoffMs: 50, allowedHosts: ["127.0.0.1"] },
    github: { publicUrl: "https://orchestrator.example.com", debounceMs: 0, pollMs: 25 },
    defaults: { codeModel: "claude-sonnet-4-20250514", docsModel: "claude-opus-4-20250514" },
    ...overrides,
  };
}

export interface TestWatcher {
  watcher: Watcher;
  registry: Registry;
  queues: ReturnType<typeof makeQueues>;
  stop(): Promise<void>;
}

function makeQueues(ctx: RedisContext) {
  return {
    render: createQueue(QUEUES.render, { connection: ctx.redis, prefix: ctx.prefix }),
    dispatch: createQueue(QUEUES.dispatch, { connection: ctx.redis, prefix: ctx.prefix }),
    control: createQueue(QUEUES.control, { connection: ctx.redis, prefix: ctx.prefix }),
  };
}

/** A watcher wired as main.ts does, on the test Redis, with short intervals. `stop` closes what it opened. */
export async function startTestWatcher(
  ctx: RedisContext,
  runtime: WatcherRuntime,
  options: {
    githubUrl?: string;
    settings?: Partial<WatcherSettings>;
    start?: boolean;
    /** rules YAML for the CR policy; default TEST_WATCHER_RULES */
    rules?: string;
  } = {},
): Promise<TestWatcher> {
  const subscriber: Redis = await connectTestRedis("worker");
  const workerConnection: Redis = await connectTestRedis("worker");
  const registry = new Registry();
  const queues = makeQueues(ctx);
  const watcher = createWatcher({
    settings: testSettings(options.settings),
    policy: new RunPolicy({
      rules: parseRules(options.rules ?? TEST_WATCHER_RULES),
      allowedGitHosts: ["github.com"],
      callbackAllowedHosts: [],
      registry,
    }),
    runtime,
    runStore: ctx.runStore,
    redis: ctx.redis,
    subscriber,
    workerConnection,
    queues,
    github: options.githubUrl
      ? watcherGithubClient({ apiUrl: options.githubUrl, auth: { token: "ghp_test" }, ...FAST_GITHUB })
      : undefined,
    prefix: ctx.prefix,
    log: silentLogger(),
    registry,
    now: () => new Date(),
  });
  if (options.start ?? true) await watcher.start();
  return {
    watcher,
    registry,
    queues,
    async stop() {
      await watcher.stop();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      subscriber.disconnect();
      workerConnection.disconnect();
    },
  };
}
