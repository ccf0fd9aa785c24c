import { createHash } from "node:crypto";
import { type RenderedFiles, type RunKind, type RunRequest, runRequestSchema } from "@orchestrator/contracts";
import { createRenderer, type Renderer } from "@orchestrator/render";
import { newRunId } from "@orchestrator/run-store";
import { ROUNDS, split } from "./load.js";
import { type LatencySummary, median, note, num, printTable, round, summarize, times } from "./stats.js";

export interface RenderSizes {
  /** renders per kind */
  renders: number;
  warmup: number;
  maxMs: number;
}

export const RENDER_SIZES: Record<"quick" | "full", RenderSizes> = {
  quick: { renders: 300, warmup: 30, maxMs: 4_000 },
  full: { renders: 5000, warmup: 200, maxMs: 8_000 },
};

const ISSUE_BODY = [
  "I'm having a problem with this.",
  "",
  "Steps: open the trader dashboard, place a limit order, refresh; the order disappears from the book.",
  "Expected: the order stays until it is filled or cancelled.",
  "",
  "```",
  "ERROR order-book: stale snapshot (seq 18233 < 18240), dropping 3 orders",
  "```",
].join("\n");

/** Requests as ingress records them (defaults applied), one per kind. */
export const RENDER_REQUESTS: Record<RunKind, RunRequest> = {
  docs: runRequestSchema.parse({
    kind: "docs",
    idempotencyKey: "bench-docs",
    source: { type: "api", actor: "pm" },
    repositoryUrl: "https://github.com/5dlabs/platform.git",
    workingDirectory: ".",
    model: "claude-opus-4-20250514",
    githubUser: "swe-1-5dlabs",
    sourceBranch: "main",
  }),
  code: runRequestSchema.parse({
    kind: "code",
    idempotencyKey: "bench-code",
    source: {
      type: "github",
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      event: "issues",
      action: "labeled",
      repository: "5dlabs/trader",
      number: 12,
      sender: "Codertocat",
    },
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    workingDirectory: "trader",
    model: "claude-sonnet-4-20250514",
    githubUser: "swe-1-5dlabs",
    taskId: 12,
    service: "trader",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    instructions: ISSUE_BODY,
    env: { RUST_LOG: "info" },
  }),
};

/** The code run with the `advanced` tool preset (default tools + github_create_issue + a local filesystem MCP server). */
const ADVANCED_REQUEST: RunRequest = runRequestSchema.parse({
  ...RENDER_REQUESTS.code,
  idempotencyKey: "bench-code-advanced",
  toolConfig: "advanced",
});

/** The rendered cases: each kind with the default preset, and the code run with `advanced`. */
const CASES = [
  { label: "docs", kind: "docs", request: RENDER_REQUESTS.docs },
  { label: "code", kind: "code", request: RENDER_REQUESTS.code },
  { label: "code advanced", kind: "code", request: ADVANCED_REQUEST },
] as const;

/** One render of a run of `kind` with a fresh run id; returns its size in bytes. */
export function renderOnce(renderer: Renderer, kind: RunKind, now: Date): number {
  return renderer.render(RENDER_REQUESTS[kind], { runId: newRunId(now.getTime()), attempt: 1, now }).bytes;
}

/** The floor: serializing and hashing the same output once (what storing it as a ConfigMap costs at least). */
function serializeAndHash(files: RenderedFiles): number {
  const json = JSON.stringify(files);
  createHash("sha256").update(json).digest("hex");
  return json.length;
}

interface Measured {
  latency: LatencySummary;
  perSec: number;
  n: number;
  cut: boolean;
}

/** Times `op` n times, split into ROUNDS rounds that alternate between the two ops (baseline first). */
function measurePair(
  n: number,
  warmup: number,
  maxMs: number,
  ops: readonly [() => void, () => void],
): { baseline: Measured; target: Measured; ratio: number } {
  const acc = ops.map(() => ({
    samples: [] as number[],
    elapsed: 0,
    cut: false,
    roundMeans: [] as number[],
  }));
  for (const op of ops) for (let i = 0; i < warmup; i++) op();
  for (const count of split(n, ROUNDS)) {
    for (const [s, op] of ops.entries()) {
      const a = acc[s]!;
      const started = performance.now();
      const deadline = started + maxMs / ROUNDS;
      const before = a.samples.length;
      for (let i = 0; i < count; i++) {
        if (performance.now() > deadline) {
          a.cut = true;
          break;
        }
        const t0 = performance.now();
        op();
        a.samples.push(performance.now() - t0);
      }
      a.elapsed += performance.now() - started;
      a.roundMeans.push((performance.now() - started) / Math.max(1, a.samples.length - before));
    }
  }
  const [baseline, target] = acc.map((a) => ({
    latency: summarize(a.samples),
    perSec: (a.samples.length / a.elapsed) * 1000,
    n: a.samples.length,
    cut: a.cut,
  }));
  // per round: target mean ÷ baseline mean, then the median over rounds
  const ratio = median(acc[1]!.roundMeans.map((t, r) => t / acc[0]!.roundMeans[r]!));
  return { baseline: baseline!, target: target!, ratio };
}

export interface RenderCase {
  kind: RunKind;
  /** the tool preset (docs runs have none: "default") */
  toolConfig: string;
  n: number;
  rendersPerSec: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerRender: number;
  files: number;
  baselineMeanMs: number;
  /** median over rounds of (render mean ÷ serialize+hash mean) */
  ratio: number;
}

export async function benchRender(sizes: RenderSizes): Promise<RenderCase[]> {
  const loadStarted = performance.now();
  const renderer = await createRenderer();
  const loadMs = performance.now() - loadStarted;
  try {
    const now = new Date();
    const cases: RenderCase[] = [];
    const rows: string[][] = [];
    for (const { label, kind, request } of CASES) {
      const sample = renderer.render(request, { runId: newRunId(), attempt: 1, now });
      const {
        baseline,
        target: render,
        ratio,
      } = measurePair(sizes.renders, sizes.warmup, sizes.maxMs, [
        () => serializeAndHash(sample.files),
        () => renderer.render(request, { runId: newRunId(now.getTime()), attempt: 1, now }),
      ]);
      rows.push([
        `baseline JSON+sha256 (${label})`,
        String(baseline.n),
        num(baseline.perSec, 0),
        num(baseline.latency.meanMs, 4),
        num(baseline.latency.p50Ms, 4),
        num(baseline.latency.p99Ms, 4),
        String(sample.bytes),
        "",
        "",
      ]);
      rows.push([
        `render ${label} run`,
        `${render.n}${render.cut ? "*" : ""}`,
        num(render.perSec, 0),
        num(render.latency.meanMs, 4),
        num(render.latency.p50Ms, 4),
        num(render.latency.p99Ms, 4),
        String(sample.bytes),
        String(Object.keys(sample.files).length),
        times(ratio),
      ]);
      cases.push({
        kind,
        toolConfig: "toolConfig" in request ? request.toolConfig : "default",
        n: render.n,
        rendersPerSec: round(render.perSec, 1),
        meanMs: round(render.latency.meanMs, 4),
        p50Ms: round(render.latency.p50Ms, 4),
        p99Ms: round(render.latency.p99Ms, 4),
        bytesPerRender: sample.bytes,
        files: Object.keys(sample.files).length,
        baselineMeanMs: round(baseline.latency.meanMs, 4),
        ratio: round(ratio, 2),
      });
    }
    printTable(
      "3. Render (repository templates, default settings, fresh run id each)",
      ["case", "n", "per s", "mean ms", "p50 ms", "p99 ms", "bytes", "files", "×floor"],
      rows,
    );
    note(
      `×floor = render time ÷ (JSON.stringify + sha256 of the same files), median of ${ROUNDS} alternating`,
    );
    note(`        rounds: render cost in units of handling its own output once`);
    note(`templates loaded and compiled in ${num(loadMs, 1)} ms`);
    if (rows.some((r) => r[1]?.endsWith("*")))
      note(`* stopped by the ${sizes.maxMs / 1000} s time cap before n was reached`);
    return cases;
  } finally {
    renderer.close();
  }
}
