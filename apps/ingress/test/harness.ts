import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import { QUEUES, type RunRequest } from "@orchestrator/contracts";
import { createRegistry, type Registry, silentLogger } from "@orchestrator/observability";
import { createQueue, createRedis, type TypedQueue, waitForRedis } from "@orchestrator/queue";
import { deletePrefix, testRedisUrl, uniquePrefix } from "@orchestrator/queue/testing";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import {
  createIngress,
  type Ingress,
  ingressGithubClient,
  type LogReader,
  listen,
  loadIngressConfig,
  parseRules,
  type RunningServer,
} from "../src/index.js";

export const GITHUB_SECRET = "test-github-secret-1";
export const PM_TOKEN = "pm-token-0123456789abcdef";
export const CLI_TOKEN = "cli-token-0123456789abcdef";
export const GRAFANA_TOKEN = "grafana-token-0123456789";

export const TEST_RULES = `
defaults:
  githubUser: swe-1-5dlabs
  auth: ssh
repositories:
  - match: "codertocat/*"
    service: hello
    docsRepository: git@github.com:5dlabs/platform.git
    codeModel: opus
  - match: ["5dlabs/*", "o/*"]
    users: [swe-1-5dlabs, u1]
github:
  allowedUsers: [trusted-outsider]
  selfLogins: ["orchestrator-bot[bot]"]
grafana:
  maxRunsPerRule: 2
  capWindow: 1h
  routes:
    - labels: { alertname: "Trader*" }
      repository: 5dlabs/trader
      service: trader
      docsRepository: git@github.com:5dlabs/platform.git
`;

export interface Harness {
  base: string;
  prefix: string;
  redis: Redis;
  runStore: RunStore;
  renderQueue: TypedQueue<"render">;
  controlQueue: TypedQueue<"control">;
  registry: Registry;
  ingress: Ingress;
  server: RunningServer;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  rules?: string;
  logReader?: LogReader;
  now?: () => Date;
  /** Redis to use instead of the test Redis (the outage test) */
  redisUrl?: string;
  /** the runtime's preflight (the local runtime's, in the all-in-one process) */
  preflight?: (request: RunRequest) => Promise<string[]>;
}

/** A real ingress on a free port, over the real test Redis, with a private key prefix. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const prefix = uniquePrefix("ingress");
  const url = options.redisUrl ?? testRedisUrl();
  const redis = createRedis(url, "client");
  await waitForRedis(redis);
  const subscribers: Redis[] = [];
  const config = loadIngressConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    RUN_RETENTION: "1h",
    GITHUB_WEBHOOK_SECRETS: GITHUB_SECRET,
    API_TOKENS: `pm:${PM_TOKEN},cli:${CLI_TOKEN}`,
    GRAFANA_WEBHOOK_TOKEN: GRAFANA_TOKEN,
    ...options.env,
  });
  const registry = createRegistry("ingress", { defaultMetrics: false });
  const renderQueue = createQueue(QUEUES.render, { connection: redis, prefix });
  const controlQueue = createQueue(QUEUES.control, { connection: redis, prefix });
  const runStore = new RunStore({ redis, prefix, retentionMs: config.RUN_RETENTION });
  const ingress = createIngress({
    config,
    rules: parseRules(options.rules ?? TEST_RULES),
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
    registry,
    ...(options.logReader ? { logReader: options.logReader } : {}),
    github: ingressGithubClient(config, { writeIntervalMs: 10, retryBaseMs: 10 }),
    ...(options.now ? { now: options.now } : {}),
    preflight: options.preflight,
  });
  const server = await listen(ingress.app, "127.0.0.1", 0);
  return {
    base: `http://127.0.0.1:${server.port}`,
    prefix,
    redis,
    runStore,
    renderQueue,
    controlQueue,
    registry,
    ingress,
    server,
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

type Example = Record<string, unknown>;
const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples") as {
  name: string;
  examples: Example[];
}[];

/** A real GitHub payload from @octokit/webhooks-examples (a fresh copy to modify). */
export function githubExample(event: string, action?: string, index = 0): Example {
  const examples =
    definitions.find((d) => d.name === event)?.examples.filter((e) => e["action"] === action) ?? [];
  const example = examples[index];
  if (!example) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(example);
}

let deliveries = 0;
export function newDeliveryId(): string {
  deliveries += 1;
  return `72d3162e-cc78-11e3-81ab-${String(Date.now() % 1e6).padStart(6, "0")}${String(deliveries).padStart(6, "0")}`;
}

export interface DeliverOptions {
  deliveryId?: string;
  hookId?: string;
  secret?: string;
  headers?: Record<string, string | undefined>;
  rawBody?: string;
}

/** POSTs a payload the way GitHub does: JSON body, event/delivery/hook headers, HMAC signature. */
export async function deliver(h: Harness, event: string, payload: unknown, options: DeliverOptions = {}) {
  const body = options.rawBody ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/abc123",
    "x-github-event": event,
    "x-github-delivery": options.deliveryId ?? newDeliveryId(),
    "x-github-hook-id": options.hookId ?? "109948940",
    "x-hub-signature-256": await sign(options.secret ?? GITHUB_SECRET, body),
  };
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const res = await fetch(`${h.base}/webhooks/github`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function renderJobCount(h: Harness): Promise<number> {
  const counts = await h.renderQueue.getJobCounts("waiting", "active", "delayed", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

export async function api(
  h: Harness,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers["authorization"] = `Bearer ${options.token ?? PM_TOKEN}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers,
    ...(options.body !== undefined
      ? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}
