import { Agent } from "node:http";
import { QUEUES } from "@orchestrator/contracts";
import { createIngress, listen, loadIngressConfig, parseRules } from "@orchestrator/ingress";
import { createRegistry, silentLogger } from "@orchestrator/observability";
import { createQueue, createRedis } from "@orchestrator/queue";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import { startBareExpress } from "./bare-express.js";
import { API_TOKEN, apiRequests, GITHUB_SECRET, webhookRequests } from "./ingress-requests.js";
import {
  failureText,
  type LoadRequest,
  type LoadResult,
  mergeLoads,
  ROUNDS,
  runLoad,
  split,
} from "./load.js";
import { memoryLog, snapshot } from "./memory.js";
import { benchPrefix, connect, dropPrefix } from "./redis.js";
import { median, note, num, printTable, round, times } from "./stats.js";

const RULES = `
defaults:
  githubUser: swe-1-5dlabs
  auth: ssh
repositories:
  - match: "codertocat/*"
    service: hello
    docsRepository: git@github.com:5dlabs/platform.git
    codeModel: opus
  - match: "5dlabs/*"
    service: bench
`;

export interface IngressUnderTest {
  base: string;
  renderJobs(): Promise<number>;
  close(): Promise<void>;
}

/** A real ingress (express app, run store, BullMQ render queue) on a loopback port, as the test harness builds it. */
export async function startIngress(url: string): Promise<IngressUnderTest> {
  const prefix = benchPrefix("ingress");
  const redis = await connect(url);
  const subscribers: Redis[] = [];
  const config = loadIngressConfig({
    REDIS_URL: url,
    QUEUE_PREFIX: prefix,
    RUN_RETENTION: "1h",
    GITHUB_WEBHOOK_SECRETS: GITHUB_SECRET,
    API_TOKENS: `pm:${API_TOKEN}`,
    LOG_LEVEL: "silent",
  });
  const renderQueue = createQueue(QUEUES.render, { connection: redis, prefix });
  const controlQueue = createQueue(QUEUES.control, { connection: redis, prefix });
  const runStore = new RunStore({ redis, prefix, retentionMs: config.RUN_RETENTION });
  const ingress = createIngress({
    config,
    rules: parseRules(RULES),
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
  });
  const server = await listen(ingress.app, "127.0.0.1", 0);
  return {
    base: `http://127.0.0.1:${server.port}`,
    renderJobs: async () => {
      const counts = await renderQueue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    close: async () => {
      await server.close();
      await ingress.close();
      await renderQueue.close().catch(() => undefined);
      await controlQueue.close().catch(() => undefined);
      await dropPrefix(redis, prefix);
      for (const s of subscribers) s.disconnect();
      redis.disconnect();
    },
  };
}

export interface IngressSizes {
  api: number;
  webhook: number;
  warmup: number;
  maxMs: number;
}

export const INGRESS_SIZES: Record<"quick" | "full", IngressSizes> = {
  quick: { api: 300, webhook: 200, warmup: 50, maxMs: 4_000 },
  full: { api: 5000, webhook: 3000, warmup: 300, maxMs: 10_000 },
};

const CONCURRENCY = [1, 16] as const;

interface CaseSummary {
  concurrency: number;
  n: number;
  reqPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  failures: number;
  baselineReqPerSec: number;
  baselineP50Ms: number;
  /** median over the rounds of (baseline req/s ÷ ingress req/s) */
  throughputRatio: number;
  /** ingress p50 ÷ baseline p50 */
  p50Ratio: number;
}

export interface IngressSummary {
  api: CaseSummary[];
  webhook: CaseSummary[];
  renderJobsQueued: number;
  renderJobsExpected: number;
}

interface Pair {
  baseline: LoadResult;
  target: LoadResult;
  /** baseline req/s ÷ target req/s of each round */
  roundRatios: number[];
}

function caseSummary({ target, baseline, roundRatios }: Pair): CaseSummary {
  return {
    concurrency: target.concurrency,
    n: target.sent,
    reqPerSec: round(target.reqPerSec, 1),
    p50Ms: round(target.latency.p50Ms),
    p95Ms: round(target.latency.p95Ms),
    p99Ms: round(target.latency.p99Ms),
    failures: target.sent - target.ok,
    baselineReqPerSec: round(baseline.reqPerSec, 1),
    baselineP50Ms: round(baseline.latency.p50Ms),
    throughputRatio: round(median(roundRatios), 2),
    p50Ratio: round(target.latency.p50Ms / baseline.latency.p50Ms, 2),
  };
}

function row(label: string, r: LoadResult, pair?: Pair): string[] {
  return [
    label,
    String(r.concurrency),
    `${r.sent}${r.cut ? "*" : ""}`,
    num(r.reqPerSec, 0),
    num(r.latency.p50Ms, 3),
    num(r.latency.p95Ms, 3),
    num(r.latency.p99Ms, 3),
    failureText(r),
    pair ? times(median(pair.roundRatios)) : "",
    pair ? times(r.latency.p50Ms / pair.baseline.latency.p50Ms) : "",
  ];
}

/**
 * Loads the baseline and ingress with the same client, requests and concurrency, alternating in
 * ROUNDS rounds over kept-alive connections (warm-up in the first round only).
 */
async function pair(
  bare: string,
  ingress: string,
  n: number,
  sizes: IngressSizes,
  concurrency: number,
  requests: () => (i: number) => LoadRequest | Promise<LoadRequest>,
): Promise<Pair> {
  const sides = [
    { base: bare, build: requests(), agent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
    { base: ingress, build: requests(), agent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
  ] as const;
  const results: [LoadResult[], LoadResult[]] = [[], []];
  try {
    for (const [r, total] of split(n, ROUNDS).entries()) {
      for (const [s, side] of sides.entries()) {
        results[s]!.push(
          await runLoad({
            ...side,
            concurrency,
            total,
            maxMs: sizes.maxMs / ROUNDS,
            warmup: r === 0 ? sizes.warmup : 0,
            expectStatus: 202,
          }),
        );
      }
    }
  } finally {
    for (const side of sides) side.agent.destroy();
  }
  return {
    baseline: mergeLoads(results[0]),
    target: mergeLoads(results[1]),
    roundRatios: results[0].map((b, r) => b.reqPerSec / results[1][r]!.reqPerSec),
  };
}

export async function benchIngress(redisUrl: string, sizes: IngressSizes): Promise<IngressSummary> {
  const bare = await startBareExpress();
  const ingress = await startIngress(redisUrl);
  try {
    const api: Pair[] = [];
    const webhook: Pair[] = [];
    let bodyBytes = 0;
    for (const c of CONCURRENCY)
      api.push(await pair(bare.base, ingress.base, sizes.api, sizes, c, apiRequests));
    for (const c of CONCURRENCY) {
      webhook.push(
        await pair(bare.base, ingress.base, sizes.webhook, sizes, c, () => {
          const w = webhookRequests();
          bodyBytes = w.bytes;
          return w.build;
        }),
      );
    }
    // what a live ingress holds after the load (still serving; Redis holds the runs, not this process)
    memoryLog.push(await snapshot("after ingress benchmark"));
    const queued = await ingress.renderJobs();
    const expected = [...api, ...webhook].reduce((sum, p) => sum + p.target.ok + p.target.warmupOk, 0);

    const rows: string[][] = [];
    for (const p of api) {
      rows.push(row("bare Express 202", p.baseline));
      rows.push(row("POST /api/v1/runs (code)", p.target, p));
    }
    for (const p of webhook) {
      rows.push(row("bare Express 202", p.baseline));
      rows.push(row("POST /webhooks/github", p.target, p));
    }
    printTable(
      "1. Ingress accept path (closed loop, keep-alive, loopback)",
      ["case", "conc", "n", "req/s", "p50 ms", "p95 ms", "p99 ms", "fail", "÷thrpt", "×p50"],
      rows,
    );
    note(
      `÷thrpt = bare req/s ÷ ingress req/s (median of ${ROUNDS} alternating rounds); ×p50 = ingress p50 ÷ bare p50`,
    );
    note(`webhook: signed issues.labeled, ${bodyBytes} B body, new issue number + delivery id each`);
    note(`render jobs queued: ${queued} (2xx answers incl. warm-up: ${expected})`);
    if ([...api, ...webhook].some((p) => p.target.cut || p.baseline.cut))
      note(`* stopped by the ${sizes.maxMs / 1000} s time cap before n was reached`);

    return {
      api: api.map(caseSummary),
      webhook: webhook.map(caseSummary),
      renderJobsQueued: queued,
      renderJobsExpected: expected,
    };
  } finally {
    await ingress.close();
    await bare.close();
  }
}

/** API load without reporting (the memory benchmark uses it when the ingress benchmark did not run). */
export async function exerciseIngress(redisUrl: string, sizes: IngressSizes): Promise<void> {
  const ingress = await startIngress(redisUrl);
  try {
    for (const c of CONCURRENCY) {
      await runLoad({
        base: ingress.base,
        concurrency: c,
        total: sizes.api,
        maxMs: sizes.maxMs,
        warmup: sizes.warmup,
        build: apiRequests(),
        expectStatus: 202,
      });
    }
    memoryLog.push(await snapshot("after ingress benchmark"));
  } finally {
    await ingress.close();
  }
}
