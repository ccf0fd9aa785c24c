import { setup as buildBundles } from "../../test/e2e/src/build-bundles.js";
import { NAMESPACE, startSystem } from "../../test/e2e/src/system.js";
import { loadAverage } from "./proc-stats.js";
import { note, num, printTable, round, times } from "./stats.js";
import { HANGING_SUCCESS, submitRuns, until } from "./system-load.js";

export interface ScaleOutSizes {
  /** API runs submitted per case, closed loop */
  runs: number;
  concurrency: number;
}

export const SCALEOUT_SIZES: Record<"quick" | "full", ScaleOutSizes> = {
  quick: { runs: 100, concurrency: 8 },
  full: { runs: 500, concurrency: 16 },
};

export interface ScaleOutCase {
  /** ingress and dispatcher processes (one renderer, one watcher) */
  replicas: number;
  accepted: number;
  jobs: number;
  /** accepted runs per second (first request → last 202) */
  acceptedPerSecond: number;
  /** Jobs created per second (first request → last of the runs' Jobs seen) */
  jobsPerSecond: number;
}

export interface ScaleOutSummary {
  cases: ScaleOutCase[];
  /** Jobs/s with 2 processes each ÷ Jobs/s with 1 (2.0 = linear) */
  ratio: number;
  loadAverage: string;
}

const RUN_ID_LABEL = "orchestrator.platform/run-id";

async function runCase(redisUrl: string, replicas: number, sizes: ScaleOutSizes): Promise<ScaleOutCase> {
  process.env["REDIS_URL"] = redisUrl;
  const extra = replicas - 1;
  const system = await startSystem({
    commonEnv: { MAX_CONCURRENT_RUNS: "0", LOG_LEVEL: "warn" },
    extraReplicas: { ingress: extra, dispatcher: extra },
  });
  system.podOutcome = () => HANGING_SUCCESS; // no run ends: only the way to the Job is measured
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const seen = new Map<string, number>();
    const stopWatch = system.sim.objects.watch("jobs.batch", (_type, job) => {
      const id = job.metadata.namespace === NAMESPACE ? job.metadata.labels?.[RUN_ID_LABEL] : undefined;
      if (id && !seen.has(id)) seen.set(id, performance.now());
    });
    try {
      const start = performance.now();
      const { ids } = await submitRuns(system, sizes.runs, sizes.concurrency);
      const acceptedSeconds = (performance.now() - start) / 1000;
      await until(() => ids.every((id) => seen.has(id)), 60_000 + sizes.runs * 200, 20);
      const times = ids.flatMap((id) => seen.get(id) ?? []);
      const jobSeconds = (Math.max(start, ...times) - start) / 1000;
      const jobs = times.length;
      return {
        replicas,
        accepted: ids.length,
        jobs,
        acceptedPerSecond: round(ids.length / acceptedSeconds, 1),
        jobsPerSecond: round(jobs / jobSeconds, 1),
      };
    } finally {
      stopWatch();
    }
  } finally {
    await system.stop();
  }
}

/**
 * Scenario 6: 1 vs 2 ingress and dispatcher processes on the same Redis (one renderer and one watcher
 * each time): `runs` API docs runs, closed loop, spread over the ingress processes, until every run's
 * Job exists in kube-sim. Each case gets a fresh system; the ratio is the figure.
 */
export async function benchScaleOut(redisUrl: string, sizes: ScaleOutSizes): Promise<ScaleOutSummary> {
  buildBundles();
  const one = await runCase(redisUrl, 1, sizes);
  const two = await runCase(redisUrl, 2, sizes);
  const cases = [one, two];
  const ratio = round(two.jobsPerSecond / Math.max(0.001, one.jobsPerSecond));
  printTable(
    `Scale-out (issue scenario 6): ${sizes.runs} API runs (c${sizes.concurrency}) → Jobs, 1 vs 2 ingress + dispatcher processes`,
    ["processes", "202", "Jobs", "accepted/s", "Jobs/s"],
    cases.map((c) => [
      String(c.replicas),
      String(c.accepted),
      String(c.jobs),
      num(c.acceptedPerSecond, 1),
      num(c.jobsPerSecond, 1),
    ]),
  );
  const summary = { cases, ratio, loadAverage: await loadAverage() };
  note(
    `2 processes each: ${times(ratio)} the Jobs/s of 1 (2.00× = linear); load average ${summary.loadAverage}`,
  );
  return summary;
}
