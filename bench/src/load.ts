import { Agent, request } from "node:http";
import { type LatencySummary, summarize } from "./stats.js";

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadOptions {
  /** http://127.0.0.1:<port> */
  base: string;
  concurrency: number;
  /** requests to send (the run stops earlier when `maxMs` is reached) */
  total: number;
  /** wall-clock cap of the measured run, ms */
  maxMs: number;
  /** unmeasured requests sent first (JIT, connection set-up, Redis scripts loaded) */
  warmup: number;
  /** builds request `i` (not timed); called for warm-up requests too, with negative indexes */
  build: (i: number) => LoadRequest | Promise<LoadRequest>;
  /** status counted as a success */
  expectStatus: number;
  /** keep-alive agent to reuse across calls (the caller destroys it); default: a new one per call */
  agent?: Agent;
}

export interface LoadResult {
  concurrency: number;
  sent: number;
  ok: number;
  /** warm-up requests answered with `expectStatus` */
  warmupOk: number;
  /** responses with another status, or transport errors (`ERR`) */
  failures: Record<string, number>;
  elapsedMs: number;
  reqPerSec: number;
  latency: LatencySummary;
  /** true when `maxMs` stopped the run before `total` */
  cut: boolean;
  /** every measured latency, ms (for merging rounds) */
  samples: number[];
}

interface Response {
  status: number;
}

/**
 * A closed-loop load generator: `concurrency` loops, each sending its next request as soon as the
 * previous answer is read, over keep-alive node:http connections (one per loop). Latency is measured
 * from `request()` to the last byte of the response. The same client is used for every target so
 * that its own cost cancels out in the ratios.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.base);
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const send = (req: LoadRequest): Promise<Response> =>
    new Promise((resolve, reject) => {
      const r = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: req.path,
          agent,
          headers: { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
          res.on("error", reject);
        },
      );
      r.on("error", reject);
      r.end(req.body);
    });

  try {
    // warm-up: same concurrency, not measured
    let w = 0;
    let warmupOk = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, options.warmup) }, async () => {
        while (w < options.warmup) {
          w += 1;
          const res = await send(await options.build(-w)).catch(() => undefined);
          if (res?.status === options.expectStatus) warmupOk += 1;
        }
      }),
    );

    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    let next = 0;
    let ok = 0;
    let cut = false;
    const started = performance.now();
    const deadline = started + options.maxMs;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        for (;;) {
          if (next >= options.total) return;
          if (performance.now() > deadline) {
            cut = true;
            return;
          }
          const i = next++;
          const req = await options.build(i);
          const t0 = performance.now();
          try {
            const res = await send(req);
            latencies.push(performance.now() - t0);
            if (res.status === options.expectStatus) ok += 1;
            else failures[String(res.status)] = (failures[String(res.status)] ?? 0) + 1;
          } catch {
            latencies.push(performance.now() - t0);
            failures["ERR"] = (failures["ERR"] ?? 0) + 1;
          }
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    return {
      concurrency: options.concurrency,
      sent: latencies.length,
      ok,
      warmupOk,
      failures,
      elapsedMs,
      reqPerSec: (latencies.length / elapsedMs) * 1000,
      latency: summarize(latencies),
      cut,
      samples: latencies,
    };
  } finally {
    if (!options.agent) agent.destroy();
  }
}

/** One result from several rounds of the same case (elapsed times add up, latencies are pooled). */
export function mergeLoads(parts: readonly LoadResult[]): LoadResult {
  const samples = parts.flatMap((p) => p.samples);
  const elapsedMs = parts.reduce((sum, p) => sum + p.elapsedMs, 0);
  const failures: Record<string, number> = {};
  for (const p of parts)
    for (const [k, n] of Object.entries(p.failures)) failures[k] = (failures[k] ?? 0) + n;
  return {
    concurrency: parts[0]?.concurrency ?? 0,
    sent: samples.length,
    ok: parts.reduce((sum, p) => sum + p.ok, 0),
    warmupOk: parts.reduce((sum, p) => sum + p.warmupOk, 0),
    failures,
    elapsedMs,
    reqPerSec: (samples.length / elapsedMs) * 1000,
    latency: summarize(samples),
    cut: parts.some((p) => p.cut),
    samples,
  };
}

/** Splits `total` into `rounds` near-equal parts (for interleaving a baseline with its target). */
export function split(total: number, rounds: number): number[] {
  return Array.from(
    { length: rounds },
    (_, r) => Math.floor((total * (r + 1)) / rounds) - Math.floor((total * r) / rounds),
  );
}

/** Baseline and target alternate in this many rounds, so drift on a shared machine hits both alike. */
export const ROUNDS = 4;

export function failureText(result: LoadResult): string {
  const entries = Object.entries(result.failures);
  return entries.length === 0 ? "0" : entries.map(([status, n]) => `${n}×${status}`).join(" ");
}
