import { createRenderer } from "@orchestrator/render";
import { exerciseIngress, type IngressSizes } from "./ingress.js";
import { type MemorySnapshot, memoryLog, snapshot } from "./memory.js";
import { renderOnce } from "./render.js";
import { benchServiceMemory, type ServiceMemorySizes, type ServiceMemorySummary } from "./service-memory.js";
import { MiB, note, num, printTable, round, times } from "./stats.js";

export interface MemorySummary {
  snapshots: { label: string; rssMiB: number; heapUsedMiB: number }[];
  ingressRssRatio: number;
  ingressHeapRatio: number;
  renderRoundRuns: number;
  /** heap used after render round 2 − after round 1, MiB */
  renderRoundHeapGrowthMiB: number;
  renderRoundRssGrowthMiB: number;
  /** heap growth between the two equal rounds exceeded the threshold */
  growing: boolean;
  /** RSS of each service as its own process, idle and under the ingress load (needs Redis) */
  services?: ServiceMemorySummary;
}

/** Heap growth between two equal rounds above which the renderer is flagged as retaining memory. */
const GROWTH_THRESHOLD_MiB = 1;

export async function benchMemory(options: {
  start: MemorySnapshot;
  /** when the ingress benchmark did not run in this process, it is exercised here (no report) */
  redisUrl: string | undefined;
  ingressSizes: IngressSizes;
  /** renders per round (alternating docs and code runs) */
  renderRuns: number;
  /** per-service RSS of the built services (separate processes); needs Redis */
  serviceSizes?: ServiceMemorySizes;
}): Promise<MemorySummary> {
  const snapshots: MemorySnapshot[] = [options.start];
  let afterIngress = memoryLog.find((s) => s.label === "after ingress benchmark");
  if (!afterIngress && options.redisUrl) {
    await exerciseIngress(options.redisUrl, options.ingressSizes);
    afterIngress = memoryLog.find((s) => s.label === "after ingress benchmark");
  }
  if (afterIngress) snapshots.push(afterIngress);

  const renderer = await createRenderer();
  let rounds: MemorySnapshot[];
  try {
    snapshots.push(await snapshot("renderer loaded"));
    const now = new Date();
    const round_ = async (n: number) => {
      for (let i = 0; i < options.renderRuns; i++) renderOnce(renderer, i % 2 === 0 ? "docs" : "code", now);
      return snapshot(`after render round ${n} (${options.renderRuns} runs)`);
    };
    rounds = [await round_(1), await round_(2)];
    snapshots.push(...rounds);
  } finally {
    renderer.close();
  }

  const start = options.start;
  printTable(
    "4. Memory (process.memoryUsage() after a forced full GC)",
    ["snapshot", "RSS MiB", "Δ RSS", "heap MiB", "Δ heap", "heap total", "external", "×RSS", "×heap"],
    snapshots.map((s) => [
      s.label,
      num(s.rssMiB, 1),
      signed(s.rssMiB - start.rssMiB),
      num(s.heapUsedMiB, 1),
      signed(s.heapUsedMiB - start.heapUsedMiB),
      num(s.heapTotalMiB, 1),
      num(s.externalMiB, 1),
      times(s.rssMiB / start.rssMiB),
      times(s.heapUsedMiB / start.heapUsedMiB),
    ]),
  );
  const [r1, r2] = rounds as [MemorySnapshot, MemorySnapshot];
  const heapGrowth = r2.heapUsedMiB - r1.heapUsedMiB;
  const rssGrowth = r2.rssMiB - r1.rssMiB;
  const growing = heapGrowth > GROWTH_THRESHOLD_MiB;
  note(`Δ and × are against "${start.label}"; external includes array buffers`);
  if (!afterIngress) note("no ingress snapshot: Redis was not available to this run");
  note(
    `render round 1 → 2 (equal rounds): heap ${signed(heapGrowth, 2)} MiB ` +
      `(${num((heapGrowth * MiB) / options.renderRuns, 0)} B/run), RSS ${signed(rssGrowth, 1)} MiB → ` +
      (growing
        ? `GROWING: heap grew more than ${GROWTH_THRESHOLD_MiB} MiB between equal rounds (possible leak)`
        : `steady (threshold ${GROWTH_THRESHOLD_MiB} MiB)`),
  );

  const services =
    options.redisUrl && options.serviceSizes
      ? await benchServiceMemory(options.redisUrl, options.serviceSizes)
      : undefined;
  return {
    ...(services ? { services } : {}),
    snapshots: snapshots.map((s) => ({
      label: s.label,
      rssMiB: round(s.rssMiB, 1),
      heapUsedMiB: round(s.heapUsedMiB, 1),
    })),
    ingressRssRatio: afterIngress ? round(afterIngress.rssMiB / start.rssMiB, 2) : Number.NaN,
    ingressHeapRatio: afterIngress ? round(afterIngress.heapUsedMiB / start.heapUsedMiB, 2) : Number.NaN,
    renderRoundRuns: options.renderRuns,
    renderRoundHeapGrowthMiB: round(heapGrowth, 2),
    renderRoundRssGrowthMiB: round(rssGrowth, 2),
    growing,
  };
}

function signed(value: number, decimals = 1): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(decimals)}`;
}
