import { randomUUID } from "node:crypto";
import { type RunPhase, type RunRequest, runRequestSchema } from "@orchestrator/contracts";
import { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import { ROUNDS, split } from "./load.js";
import { benchPrefix, connect, dropPrefix } from "./redis.js";
import { type LatencySummary, median, note, num, printTable, round, summarize, times } from "./stats.js";

/** The path of a run that succeeds: five transitions after `create`. */
const PHASES: readonly RunPhase[] = ["Rendering", "Dispatched", "Pending", "Running", "Succeeded"];
const OPS_PER_RUN = 1 + PHASES.length;

export interface RunStoreSizes {
  /** runs at concurrency 1 (each is OPS_PER_RUN operations) */
  runsSerial: number;
  /** runs at concurrency 16 */
  runsParallel: number;
  warmup: number;
  maxMs: number;
}

export const RUNSTORE_SIZES: Record<"quick" | "full", RunStoreSizes> = {
  quick: { runsSerial: 60, runsParallel: 160, warmup: 20, maxMs: 4_000 },
  full: { runsSerial: 1000, runsParallel: 3000, warmup: 100, maxMs: 8_000 },
};

interface LoopResult {
  concurrency: number;
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  /** per-operation latency, by operation */
  latency: Record<string, LatencySummary>;
  cut: boolean;
  samples: Map<string, number[]>;
}

function mergeLoops(parts: readonly LoopResult[]): LoopResult {
  const samples = new Map<string, number[]>();
  for (const p of parts)
    for (const [label, list] of p.samples) samples.set(label, [...(samples.get(label) ?? []), ...list]);
  const ops = parts.reduce((sum, p) => sum + p.ops, 0);
  const elapsedMs = parts.reduce((sum, p) => sum + p.elapsedMs, 0);
  return {
    concurrency: parts[0]?.concurrency ?? 0,
    ops,
    elapsedMs,
    opsPerSec: (ops / elapsedMs) * 1000,
    latency: Object.fromEntries([...samples].map(([label, list]) => [label, summarize(list)])),
    cut: parts.some((p) => p.cut),
    samples,
  };
}

type Timer = <T>(label: string, op: () => Promise<T>) => Promise<T>;

/** `concurrency` async loops running `task(i, timed)` for i = 0..units-1; every `timed` call is one op. */
async function closedLoop(
  concurrency: number,
  units: number,
  maxMs: number,
  warmup: number,
  task: (i: number, timed: Timer) => Promise<void>,
): Promise<LoopResult> {
  const untimed: Timer = (_label, op) => op();
  for (let w = 0; w < warmup; w++) await task(-1 - w, untimed);
  const samples = new Map<string, number[]>();
  let ops = 0;
  const timed: Timer = async (label, op) => {
    const t0 = performance.now();
    const result = await op();
    const ms = performance.now() - t0;
    ops += 1;
    const list = samples.get(label);
    if (list) list.push(ms);
    else samples.set(label, [ms]);
    return result;
  };
  let next = 0;
  let cut = false;
  const started = performance.now();
  const deadline = started + maxMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (next >= units) return;
        if (performance.now() > deadline) {
          cut = true;
          return;
        }
        await task(next++, timed);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return {
    concurrency,
    ops,
    elapsedMs,
    opsPerSec: (ops / elapsedMs) * 1000,
    latency: Object.fromEntries([...samples].map(([label, list]) => [label, summarize(list)])),
    cut,
    samples,
  };
}

function codeRequest(idempotencyKey: string): RunRequest {
  return runRequestSchema.parse({
    kind: "code",
    idempotencyKey,
    source: { type: "api", actor: "pm" },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId: 1,
    service: "trader",
    docsRepositoryUrl: "git@github.com:5dlabs/trader.git",
  });
}

export interface RunStoreCase {
  concurrency: number;
  runs: number;
  ops: number;
  opsPerSec: number;
  createP50Ms: number;
  createP99Ms: number;
  transitionP50Ms: number;
  transitionP99Ms: number;
  baselinePairsPerSec: number;
  baselineP50Ms: number;
  /** baseline SET+GET pairs/s ÷ run-store ops/s: one run-store op costs this many SET+GET round trips */
  ratio: number;
}

export async function benchRunStore(redisUrl: string, sizes: RunStoreSizes): Promise<RunStoreCase[]> {
  const prefix = benchPrefix("runstore");
  const redis: Redis = await connect(redisUrl);
  const store = new RunStore({ redis, prefix, retentionMs: 3600_000 });
  const tag = randomUUID().slice(0, 8);
  try {
    // the baseline moves a value the size of a run record, so bytes on the wire are comparable
    const sample = await store.create({ request: codeRequest(`bench-${tag}-size`) });
    const value = JSON.stringify(sample.run).padEnd(JSON.stringify(sample.run).length + 200, " ");

    const pairOp = async (i: number, timed: Timer) => {
      const key = `${prefix}:baseline:${i}`;
      await timed("set+get", async () => {
        await redis.set(key, value, "PX", 600_000);
        await redis.get(key);
      });
    };
    let seq = 0;
    const runOps = async (_i: number, timed: Timer) => {
      seq += 1;
      const created = await timed("create", () =>
        store.create({ request: codeRequest(`bench-${tag}-${seq}`), reason: "bench" }),
      );
      for (const phase of PHASES) {
        await timed("transition", () => store.transition(created.run.id, phase, `bench ${phase}`));
      }
    };

    const cases: { baseline: LoopResult; target: LoopResult; ratio: number }[] = [];
    for (const [c, runs] of [
      [1, sizes.runsSerial],
      [16, sizes.runsParallel],
    ] as const) {
      // baseline and target alternate in rounds; the baseline does as many pairs as the target does ops
      const baselines: LoopResult[] = [];
      const targets: LoopResult[] = [];
      const maxMs = sizes.maxMs / ROUNDS;
      for (const [r, n] of split(runs, ROUNDS).entries()) {
        const warmup = r === 0 ? sizes.warmup : 0;
        baselines.push(await closedLoop(c, n * OPS_PER_RUN, maxMs, warmup * OPS_PER_RUN, pairOp));
        targets.push(await closedLoop(c, n, maxMs, warmup, runOps));
      }
      cases.push({
        baseline: mergeLoops(baselines),
        target: mergeLoops(targets),
        ratio: median(baselines.map((b, r) => b.opsPerSec / targets[r]!.opsPerSec)),
      });
    }

    const rows: string[][] = [];
    for (const { baseline, target, ratio } of cases) {
      const pair = baseline.latency["set+get"]!;
      rows.push([
        "baseline SET+GET pair",
        String(baseline.concurrency),
        `${baseline.ops}${baseline.cut ? "*" : ""}`,
        num(baseline.opsPerSec, 0),
        num(pair.p50Ms, 3),
        num(pair.p99Ms, 3),
        "",
        "",
        "",
      ]);
      const create = target.latency["create"]!;
      const transition = target.latency["transition"]!;
      rows.push([
        "RunStore create + 5 transitions",
        String(target.concurrency),
        `${target.ops}${target.cut ? "*" : ""}`,
        num(target.opsPerSec, 0),
        num(create.p50Ms, 3),
        num(create.p99Ms, 3),
        num(transition.p50Ms, 3),
        num(transition.p99Ms, 3),
        times(ratio),
      ]);
    }
    printTable(
      "2. Run store (ops = create or transition; baseline op = SET then GET of a record-sized value)",
      ["case", "conc", "ops", "ops/s", "p50 ms", "p99 ms", "trans p50", "trans p99", "÷ops"],
      rows,
    );
    note(`p50/p99 of the RunStore row are for create; trans = transition (HMGET + EVAL + zod parse)`);
    note(`÷ops = baseline pairs/s ÷ run-store ops/s (median of ${ROUNDS} alternating rounds): one run-store`);
    note(`      op costs that many SET+GET pairs`);
    note(`record size ≈ ${value.length} B; runs are created under a private prefix and deleted afterwards`);
    if (cases.some((x) => x.baseline.cut || x.target.cut))
      note(`* stopped by the ${sizes.maxMs / 1000} s time cap before n was reached`);

    return cases.map(({ baseline, target, ratio }) => ({
      concurrency: target.concurrency,
      runs: Math.ceil(target.ops / OPS_PER_RUN),
      ops: target.ops,
      opsPerSec: round(target.opsPerSec, 1),
      createP50Ms: round(target.latency["create"]!.p50Ms),
      createP99Ms: round(target.latency["create"]!.p99Ms),
      transitionP50Ms: round(target.latency["transition"]!.p50Ms),
      transitionP99Ms: round(target.latency["transition"]!.p99Ms),
      baselinePairsPerSec: round(baseline.opsPerSec, 1),
      baselineP50Ms: round(baseline.latency["set+get"]!.p50Ms),
      ratio: round(ratio, 2),
    }));
  } finally {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
}
