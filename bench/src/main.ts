import { cpus, platform, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { ensureRedis, type LocalRedis, RedisNotInstalledError } from "@orchestrator/local-redis";
import { benchE2e, E2E_SIZES, type E2eSummary } from "./e2e.js";
import { benchIngress, INGRESS_SIZES, type IngressSummary } from "./ingress.js";
import { benchKubeSim, KUBESIM_SIZES, type KubeSimSummary } from "./kube-sim.js";
import { snapshot } from "./memory.js";
import { benchMemory, type MemorySummary } from "./memory-bench.js";
import { benchRender, RENDER_SIZES, type RenderCase } from "./render.js";
import { benchRunStore, RUNSTORE_SIZES, type RunStoreCase } from "./runstore.js";
import { benchScaleOut, SCALEOUT_SIZES, type ScaleOutSummary } from "./scale-out.js";
import { SERVICE_MEMORY_SIZES } from "./service-memory.js";
import { MiB } from "./stats.js";
import { benchWatcher, WATCHER_SIZES, type WatcherSummary } from "./watcher-scale.js";

const BENCHMARKS = [
  "ingress",
  "runstore",
  "render",
  "memory",
  "kube-sim",
  "e2e",
  "watcher",
  "scale-out",
] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const USAGE = `Usage: npm run bench [-- --quick] [-- --only ingress|runstore|render|memory|kube-sim|e2e|watcher|scale-out]

  --quick          smaller counts and time caps (a smoke run of a few seconds)
  --only <names>   run only these benchmarks (comma-separated: ${BENCHMARKS.join(",")})
  -h, --help       this text

Uses REDIS_URL when set (keys go under a private prefix and are deleted); otherwise starts a
private redis-server on a free loopback port and stops it at the end.`;

interface Summary {
  mode: "quick" | "full";
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  redis: "private" | "REDIS_URL";
  seconds?: number;
  ingress?: IngressSummary;
  runstore?: RunStoreCase[];
  render?: RenderCase[];
  memory?: MemorySummary;
  kubeSim?: KubeSimSummary;
  e2e?: E2eSummary;
  watcher?: WatcherSummary;
  scaleOut?: ScaleOutSummary;
  problems: string[];
}

function parse(): { quick: boolean; only: Set<Benchmark> } {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = (values.only ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) {
      console.error(`unknown benchmark "${name}" (choose from ${BENCHMARKS.join(", ")})\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return {
    quick: values.quick,
    only: new Set(names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b)) : BENCHMARKS),
  };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const start = await snapshot("start");
  const mode = args.quick ? "quick" : "full";
  const started = performance.now();
  const summary: Summary = {
    mode,
    node: process.version,
    platform: `${platform()}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    redis: process.env.REDIS_URL ? "REDIS_URL" : "private",
    problems: [],
  };
  console.log(
    `orchestrator bench (${mode}): node ${summary.node}, ${summary.platform}, ${summary.cpus}× ${summary.cpuModel}, ` +
      `${Math.round(totalmem() / MiB / 1024)} GiB; benchmarks: ${[...args.only].join(", ")}`,
  );

  const needsRedis = ["ingress", "runstore", "memory", "e2e", "watcher", "scale-out"].some((b) =>
    args.only.has(b as Benchmark),
  );
  let redis: LocalRedis | undefined;
  if (needsRedis) {
    try {
      redis = await ensureRedis({ url: process.env.REDIS_URL });
    } catch (err) {
      if (!(err instanceof RedisNotInstalledError)) throw err;
      console.error(err.message);
      return 1;
    }
    console.log(redis.started ? `redis: private redis-server at ${redis.url}` : "redis: REDIS_URL");
  }

  try {
    if (args.only.has("ingress")) {
      summary.ingress = await benchIngress(redis!.url, INGRESS_SIZES[mode]);
      const { api, webhook, renderJobsQueued, renderJobsExpected } = summary.ingress;
      const failures = [...api, ...webhook].reduce((sum, c) => sum + c.failures, 0);
      if (failures > 0) summary.problems.push(`ingress: ${failures} requests not answered 202`);
      if (renderJobsQueued !== renderJobsExpected)
        summary.problems.push(
          `ingress: ${renderJobsQueued} render jobs for ${renderJobsExpected} 202 answers`,
        );
    }
    if (args.only.has("runstore")) summary.runstore = await benchRunStore(redis!.url, RUNSTORE_SIZES[mode]);
    if (args.only.has("render")) summary.render = await benchRender(RENDER_SIZES[mode]);
    if (args.only.has("memory")) {
      summary.memory = await benchMemory({
        start,
        redisUrl: redis?.url,
        ingressSizes: INGRESS_SIZES[mode],
        renderRuns: 1000,
        serviceSizes: SERVICE_MEMORY_SIZES[mode],
      });
      if (summary.memory.growing) summary.problems.push("memory: heap grew between two equal render rounds");
      const overGoal = summary.memory.services?.overGoal ?? [];
      if (overGoal.length > 0)
        summary.problems.push(`memory: idle RSS at or over 120 MiB: ${overGoal.join(", ")}`);
    }
    if (args.only.has("kube-sim")) {
      summary.kubeSim = await benchKubeSim(KUBESIM_SIZES[mode]);
      const failed = [...summary.kubeSim.cases, ...summary.kubeSim.jobs].reduce(
        (sum, c) => sum + c.failures,
        0,
      );
      if (failed > 0) summary.problems.push(`kube-sim: ${failed} requests failed`);
    }
    if (args.only.has("e2e")) {
      summary.e2e = await benchE2e(redis!.url, E2E_SIZES[mode]);
      const { sent, accepted, jobs } = summary.e2e;
      if (accepted < sent || jobs < accepted)
        summary.problems.push(`e2e: ${sent} webhooks sent, ${accepted} answered 202, ${jobs} Jobs seen`);
    }
    if (args.only.has("watcher")) {
      summary.watcher = await benchWatcher(redis!.url, WATCHER_SIZES[mode]);
      for (const c of summary.watcher.cases)
        if (c.succeeded < c.finished)
          summary.problems.push(`watcher: ${c.finished - c.succeeded} finished runs not Succeeded`);
    }
    if (args.only.has("scale-out")) {
      summary.scaleOut = await benchScaleOut(redis!.url, SCALEOUT_SIZES[mode]);
      for (const c of summary.scaleOut.cases)
        if (c.jobs < c.accepted)
          summary.problems.push(`scale-out: ${c.accepted - c.jobs} of ${c.accepted} runs got no Job`);
    }
  } finally {
    await redis?.stop();
  }

  summary.seconds = Math.round((performance.now() - started) / 100) / 10;
  console.log(`\ndone in ${summary.seconds} s${summary.problems.map((p) => `\nWARNING ${p}`).join("")}\n`);
  console.log(JSON.stringify(summary));
  // figures are still printed when requests failed, but the exit status says they are suspect
  return summary.problems.some((p) => !p.startsWith("memory:")) ? 1 : 0;
}

// Ctrl-C: exit through process.exit so local-redis's exit hook stops the private redis-server
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => {
    process.exitCode = code;
    // anything still holding the event loop (a socket in TIME_WAIT cleanup) must not keep the bench alive
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
